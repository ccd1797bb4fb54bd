// WatchRecorder: one raw WatchClaims stream read on a thread of its own,
// recording every event and the last response revision, for tests that need to
// observe exactly what the server sends (no resume logic: that is the test's
// job, or claimctl's).
//
//   WatchRecorder watch(channel, request);
//   ASSERT_TRUE(watch.WaitForEventRevision(300, absl::Seconds(10)));
//   std::optional<grpc::Status> end = watch.WaitForEnd(absl::Seconds(5));
//
// The destructor cancels the stream and joins the thread. Thread-safety: every
// method may be called from any thread.
#ifndef CLAIMD_TESTS_E2E_WATCH_RECORDER_H_
#define CLAIMD_TESTS_E2E_WATCH_RECORDER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"

namespace claimd::e2e {

class WatchRecorder {
 public:
  WatchRecorder(std::shared_ptr<grpc::Channel> channel,
                claims::v1::WatchClaimsRequest request);
  ~WatchRecorder();
  WatchRecorder(const WatchRecorder&) = delete;
  WatchRecorder& operator=(const WatchRecorder&) = delete;

  // True once a response arrived (the watch is registered) within `timeout`.
  bool WaitForFirstResponse(absl::Duration timeout);
  // True once an event with revision >= `revision` arrived within `timeout`.
  bool WaitForEventRevision(int64_t revision, absl::Duration timeout);
  // The final status once the stream ended within `timeout`, else nullopt.
  std::optional<grpc::Status> WaitForEnd(absl::Duration timeout);
  // Asks the stream to end (it then ends with CANCELLED).
  void Cancel();

  std::vector<claims::v1::ClaimEvent> events();
  std::vector<int64_t> event_revisions();
  // The `revision` of the last response; 0 before the first.
  int64_t last_response_revision();
  int responses();

 private:
  void Run(claims::v1::WatchClaimsRequest request);

  std::unique_ptr<claims::v1::ClaimService::Stub> stub_;
  grpc::ClientContext context_;

  absl::Mutex mutex_;
  std::vector<claims::v1::ClaimEvent> events_ ABSL_GUARDED_BY(mutex_);
  int64_t last_response_revision_ ABSL_GUARDED_BY(mutex_) = 0;
  int responses_ ABSL_GUARDED_BY(mutex_) = 0;
  std::optional<grpc::Status> end_ ABSL_GUARDED_BY(mutex_);

  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_WATCH_RECORDER_H_
