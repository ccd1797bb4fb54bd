// WatchStream: a WatchClaims call read by a background thread, so a test can
// wait for the next response with a timeout instead of blocking in Read().
//
//   WatchStream watch(server->stub(), request);
//   std::optional<WatchClaimsResponse> first = watch.Next();
//   std::vector<ClaimEvent> events;
//   ASSERT_TRUE(watch.ReadThrough(last_revision, &events));
//   std::optional<grpc::Status> end = watch.WaitForEnd();
//
// The whole call has a deadline (30 s by default) as a backstop; the
// destructor cancels the call and joins the reader thread.
//
// Thread-safety: one test thread uses a WatchStream; the reader thread only
// touches the queue under mutex_.
#ifndef CLAIMD_TESTS_API_WATCH_STREAM_H_
#define CLAIMD_TESTS_API_WATCH_STREAM_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace claimd::testing {

inline constexpr absl::Duration kWaitTimeout = absl::Seconds(5);

// A request for every change from `start_revision` on (0: from now).
claims::v1::WatchClaimsRequest WatchFrom(int64_t start_revision,
                                         const std::string& filter = "");
// A request for the current state, then every change after it.
claims::v1::WatchClaimsRequest WatchWithSnapshot(
    const std::string& filter = "");

class WatchStream {
 public:
  WatchStream(claims::v1::ClaimService::StubInterface& stub,
              const claims::v1::WatchClaimsRequest& request,
              absl::Duration deadline = absl::Seconds(30));
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // The next response; nullopt when none came within `timeout` or the stream
  // ended (see ended()).
  std::optional<claims::v1::WatchClaimsResponse> Next(
      absl::Duration timeout = kWaitTimeout);

  // Reads responses until one covers `revision` (its `revision` field is at
  // least that), appending their events to `events`. False when the stream
  // ended or `timeout` passed first.
  bool ReadThrough(int64_t revision,
                   std::vector<claims::v1::ClaimEvent>* events,
                   absl::Duration timeout = kWaitTimeout);

  // Waits for the stream to end and returns its status (responses not yet
  // taken with Next stay queued); nullopt when it is still open after
  // `timeout`.
  std::optional<grpc::Status> WaitForEnd(absl::Duration timeout = kWaitTimeout);

  // The client cancels the call (ClientContext::TryCancel).
  void Cancel() { context_.TryCancel(); }

  bool ended();
  // The `revision` of the last response returned by Next (0 before any).
  int64_t last_revision() const { return last_revision_; }
  // Responses returned by Next so far.
  int responses() const { return responses_; }
  // Their left_filter_revisions, in order.
  const std::vector<int64_t>& left_filter_revisions() const {
    return left_filter_revisions_;
  }

 private:
  void ReadLoop();

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderInterface<claims::v1::WatchClaimsResponse>>
      reader_;
  absl::Mutex mutex_;
  std::deque<claims::v1::WatchClaimsResponse> queue_ ABSL_GUARDED_BY(mutex_);
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mutex_);
  int64_t last_revision_ = 0;
  int responses_ = 0;
  std::vector<int64_t> left_filter_revisions_;
  std::thread thread_;
};

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_API_WATCH_STREAM_H_
