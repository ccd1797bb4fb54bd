// claimbench's side of claimd's API, on gRPC's callback client: the two write
// workloads (CreateClaim of new claims, UpdateClaimStatus of existing ones) as
// WriteOps, a WatchClaims stream that reports to a DeliverySink, and a
// ListClaims pager.
//
// Every op spreads its calls over the channels it is given (call i uses
// channel i % count), so the load arrives on several TCP connections.
//
// Thread-safety: ops are started from one thread; their callbacks and the
// watch reactors run on gRPC threads.
#ifndef CLAIMD_TESTS_BENCH_CLAIMD_CLIENT_H_
#define CLAIMD_TESTS_BENCH_CLAIMD_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "claims/v1/claims.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/delivery.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

using Channels = std::vector<std::shared_ptr<grpc::Channel>>;

// `count` channels to `address`, each with its own TCP connection.
Channels MakeChannels(const std::string& address, int count);

// CreateClaim with claim_id = `id_prefix` + sequence, carrying
// `evidence_items` pieces of evidence shaped like the update op's.
std::unique_ptr<WriteOp> NewCreateClaimOp(const Channels& channels,
                                          std::string id_prefix,
                                          int evidence_items = 0);

// The bytes of the id and statement of CreateClaim op `sequence`.
size_t CreateClaimBytes(const std::string& id_prefix, int64_t sequence);

// The bytes of the fields an update op's evidence item `sequence` carries
// (source and url), for the disk-size row's "raw bytes".
size_t UpdateEvidenceBytes(int64_t sequence);

// UpdateClaimStatus of claim ids[sequence % ids.size()] with one evidence item
// (every update must carry one), alternating CONFIRMED and DENIED so each
// write is a status change.
std::unique_ptr<WriteOp> NewUpdateStatusOp(const Channels& channels,
                                           std::vector<std::string> ids);

// A WatchClaims stream from `start_revision` (no filter) that hands every
// event to `sink` (not owned, must outlive the stream).
std::unique_ptr<WatchStream> StartClaimdWatch(grpc::Channel& channel,
                                              int64_t start_revision,
                                              DeliverySink* sink);

struct ListRun {
  int64_t pages = 0;
  absl::Duration elapsed;
};
// Pages through ListClaims (page_size, filter) for `duration` with
// `in_flight` independent scanners, each starting over at the end.
absl::StatusOr<ListRun> RunListLoad(const Channels& channels,
                                    const std::string& filter, int page_size,
                                    int in_flight, absl::Duration duration);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_CLAIMD_CLIENT_H_
