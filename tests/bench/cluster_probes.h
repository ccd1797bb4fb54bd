// Probes of claimbench's cluster workload (cluster_rows.h): GetClaim as a
// WriteOp (so reads run under RunWriteLoad like writes), a WriteOp wrapper that
// records every acknowledgement's time (the longest write pause across a
// leader kill), the etcd calls the members served (from their /metrics), and
// moving etcd's leadership to a chosen member.
//
// Thread-safety: the ops as WriteOp (write_load.h); AckTimesOp's methods may
// be called from any thread; the functions block their caller.
#ifndef CLAIMD_TESTS_BENCH_CLUSTER_PROBES_H_
#define CLAIMD_TESTS_BENCH_CLUSTER_PROBES_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/unary_write.h"
#include "tests/bench/write_load.h"
#include "tests/etcd/etcd_cluster.h"

namespace claimd::bench {

// GetClaim of ids[sequence % ids.size()] as a WriteOp, so RunWriteLoad drives
// reads exactly like writes (same in-flight cap and latency accounting).
class GetClaimOp final : public WriteOp {
 public:
  GetClaimOp(const Channels& channels, std::vector<std::string> ids)
      : stubs_(channels), ids_(std::move(ids)) {}

  void Start(int64_t sequence, Done done) override {
    ::claims::v1::GetClaimRequest request;
    request.set_name(absl::StrCat(
        "claims/", ids_[static_cast<size_t>(sequence) % ids_.size()]));
    StartUnaryWrite<::claims::v1::Claim>(
        std::move(request),
        [stub = stubs_.For(sequence).async()](auto... args) {
          stub->GetClaim(std::move(args)...);
        },
        [](const ::claims::v1::Claim& claim) { return claim.revision(); },
        std::move(done));
  }

 private:
  StubPool<::claims::v1::ClaimService> stubs_;
  const std::vector<std::string> ids_;
};

// Wraps an op and keeps the time of every acknowledgement, for the longest
// pause between acknowledged writes across a leader kill.
class AckTimesOp final : public WriteOp {
 public:
  explicit AckTimesOp(WriteOp& inner) : inner_(inner) {}

  void Start(int64_t sequence, Done done) override {
    inner_.Start(sequence,
                 [this, done = std::move(done)](bool ok, int64_t revision,
                                                const std::string& error) {
                   if (ok) {
                     absl::MutexLock lock(&mutex_);
                     acks_.push_back(absl::Now());
                   }
                   done(ok, revision, error);  // last: see WriteOp::Start
                 });
  }

  // The longest gap between successive acknowledgements, and when it began;
  // `until` (when the load stopped starting writes) counts as one more, so
  // writes that never resumed show as a pause to the end.
  std::pair<absl::Duration, absl::Time> LongestGap(absl::Time until) {
    absl::MutexLock lock(&mutex_);
    acks_.push_back(until);
    std::sort(acks_.begin(), acks_.end());
    absl::Duration longest = absl::ZeroDuration();
    absl::Time began = absl::InfinitePast();
    for (size_t i = 1; i < acks_.size(); ++i) {
      if (acks_[i] - acks_[i - 1] > longest) {
        longest = acks_[i] - acks_[i - 1];
        began = acks_[i - 1];
      }
    }
    return {longest, began};
  }

 private:
  WriteOp& inner_;
  absl::Mutex mutex_;
  std::vector<absl::Time> acks_ ABSL_GUARDED_BY(mutex_);
};

// The sum over every member of etcd's handled gRPC calls of `method` (Range,
// Txn, ...), from its /metrics (grpc_server_handled_total, every code).
// Errors: UNAVAILABLE when a member's /metrics cannot be read.
absl::StatusOr<double> EtcdCalls(testing::EtcdCluster& cluster,
                                 const std::string& method);

// Makes member `target` the leader (etcdctl move-leader, logs under `dir`)
// and waits (bounded: 10 s) until it leads. Errors: UNAVAILABLE.
absl::Status MoveLeader(testing::EtcdCluster& cluster, const std::string& dir,
                        int target);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_CLUSTER_PROBES_H_
