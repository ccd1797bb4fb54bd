// History recording over claims.v1 (a real server, in-process or the claimd
// binary): a write workload whose requests are traceable in the log, a watch
// follower that resumes like a careful client and records every call, and the
// recovered log read back through ListClaimEvents.
//
//   WatchFollower watch("all", channel, /*start_revision=*/1);
//   GrpcWorkload writer(channel, history, "w1", /*shared_claims=*/4);
//   for (int i = 0; i < 100; ++i) writer.Step(i);
//   watch.Stop();
//   ASSERT_OK_AND_ASSIGN(RecoveredLog log, ReadGrpcLog(*stub));
//   CheckResult result = CheckHistory(history.writes(), {watch.stream()}, log);
//
// Thread-safety: a GrpcWorkload belongs to one thread; WatchFollower methods
// may be called from any thread.
#ifndef CLAIMD_TESTS_RELIABILITY_GRPC_HISTORY_H_
#define CLAIMD_TESTS_RELIABILITY_GRPC_HISTORY_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "tests/reliability/history.h"

namespace claimd::reliability {

EventRecord ToRecord(const claims::v1::ClaimEvent& event);

// The start_revision in claimd's shutdown message ("... start_revision=N"),
// 0 when there is none.
int64_t ResumeRevision(const std::string& message);

// Every event the server keeps, and its revision (nothing is compacted in
// these tests: compact_revision 0).
absl::StatusOr<RecoveredLog> ReadGrpcLog(claims::v1::ClaimService::Stub& stub);

class GrpcWorkload {
 public:
  GrpcWorkload(std::shared_ptr<grpc::Channel> channel, HistoryLog& history,
               std::string name, int shared_claims);

  // Request `step`: creates a claim, or (every third step) reads a shared
  // claim and updates it with expected_revision. Shared claims are renamed
  // every 300 steps, so none reaches the evidence limit and every CAS stays a
  // real race. A request with an unknown
  // outcome is retried with the same request_id (up to `retries` times, 100 ms
  // apart); every attempt is recorded.
  void Step(int step, int retries = 2);
  int64_t acknowledged() const { return acknowledged_; }

 private:
  std::unique_ptr<claims::v1::ClaimService::Stub> stub_;
  HistoryLog& history_;
  const std::string name_;
  const int shared_claims_;
  int64_t acknowledged_ = 0;
};

class WatchFollower {
 public:
  // Watches every claim from `start_revision` on its own thread; after a call
  // ends it waits 100 ms and resumes after the last revision it was told (or
  // where the server said), until Stop. `read_delay`: sleep after each
  // response (a slow reader).
  WatchFollower(std::string name, std::shared_ptr<grpc::Channel> channel,
                int64_t start_revision,
                absl::Duration read_delay = absl::ZeroDuration());
  // Watches only the claims whose id starts with `claim_prefix` (the filter
  // claim_id:"PREFIX", so the prefix must not occur elsewhere in an id).
  WatchFollower(std::string name, std::shared_ptr<grpc::Channel> channel,
                int64_t start_revision, const std::string& claim_prefix);
  ~WatchFollower();
  WatchFollower(const WatchFollower&) = delete;
  WatchFollower& operator=(const WatchFollower&) = delete;

  // Ends the current call (cancelled by the client) and the thread.
  void Stop();
  // True once a response with revision >= `revision` arrived.
  bool WaitForRevision(int64_t revision, absl::Duration timeout);
  // Waits until the current call has received a response (an event or a
  // progress message): the server has the stream, not just the client.
  bool WaitForFirstResponse(absl::Duration timeout);
  WatchStream stream();
  int64_t last_revision();
  // Calls that ended with `code` (a grpc::StatusCode).
  int calls_ended_with(int code);
  // Changes the pause after each response (takes effect within 20 ms).
  void SetReadDelay(absl::Duration delay);

 private:
  void Run(int64_t start_revision, const std::string& filter);
  void PauseAfterRead();

  std::unique_ptr<claims::v1::ClaimService::Stub> stub_;

  absl::Mutex mutex_;
  WatchStream stream_ ABSL_GUARDED_BY(mutex_);
  int64_t last_revision_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mutex_) = nullptr;
  absl::Duration read_delay_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace claimd::reliability

#endif  // CLAIMD_TESTS_RELIABILITY_GRPC_HISTORY_H_
