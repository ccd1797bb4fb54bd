// claimbench's side of etcd v3 (talked to directly over gRPC with etcd's own
// protos, proto/etcd): the write workload as a WriteOp (a Put of
// the claim's status record to key `claims/<id>`) and a prefix Watch on
// `claims/` that reports to a DeliverySink, the same way as for claimd.
//
// Thread-safety: as claimd_client.h.
#ifndef CLAIMD_TESTS_BENCH_ETCD_CLIENT_H_
#define CLAIMD_TESTS_BENCH_ETCD_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/delivery.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

// Put claims/<id_prefix><sequence % key_count> = a record of about
// `value_bytes` (what a claim with one evidence item costs claimd to store).
std::unique_ptr<WriteOp> NewEtcdPutOp(const Channels& channels,
                                      std::string id_prefix, int key_count,
                                      int value_bytes);

// A Watch of every key under `claims/` from `start_revision`.
std::unique_ptr<WatchStream> StartEtcdWatch(grpc::Channel& channel,
                                            int64_t start_revision,
                                            DeliverySink* sink);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_ETCD_CLIENT_H_
