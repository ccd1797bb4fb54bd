// WatchFollower: a WatchClaims stream that survives disconnects.
//
// Runs WatchClaims through a StreamOpener and hands every event to a callback,
// in revision order, each exactly once. When a stream ends with UNAVAILABLE
// (server shutdown, dropped connection), CANCELLED not caused by Stop (a call
// that reached a server already shutting down), RESOURCE_EXHAUSTED, UNKNOWN or
// ABORTED (a broken transport), or ends without an error, the follower
// waits a capped exponential backoff with jitter and watches again from the
// last response's `revision` + 1, so nothing is lost and nothing repeats. With
// `initial_snapshot`, only the first connection asks for the snapshot; if it
// drops before the snapshot completed the snapshot is asked for again and a
// claim already delivered at the same claim revision is not delivered twice.
// OUT_OF_RANGE (history trimmed) and other errors end Run; so does Stop.
//
//   WatchFollower follower(
//       [&](const auto& r) { return client.WatchClaims(r); }, {});
//   absl::Status status = follower.Run(request, {.on_event = Print});
//   // From a signal thread: follower.Stop(); Run then returns OK.
//
// Until a first stream has delivered a response, Run gives up after
// `max_initial_attempts` connection failures (the server is probably not
// there); after that it reconnects for as long as it takes.
//
// Thread-safety: Run is called by one thread, at most once at a time; Stop may
// be called from any thread. Callbacks run on the thread that called Run.
#ifndef CLAIMD_CLIENT_WATCH_FOLLOWER_H_
#define CLAIMD_CLIENT_WATCH_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"
#include "client/backoff.h"
#include "client/watch_stream.h"

namespace claimd::client {

struct WatchFollowerOptions {
  BackoffPolicy backoff{absl::Milliseconds(500), absl::Seconds(30), 2.0, 0.2};
  int max_initial_attempts = 3;
};

class WatchFollower {
 public:
  using StreamOpener = std::function<std::unique_ptr<WatchStream>(
      const claims::v1::WatchClaimsRequest&)>;

  struct Callbacks {
    // Every event, exactly once, in order.
    std::function<void(const claims::v1::ClaimEvent&)> on_event;
    // Before waiting `delay` to reconnect after `cause`. `from_revision` is 0
    // when the watch restarts as first asked (nothing received yet, or a
    // snapshot to redo). `was_connected`: some stream has delivered a response.
    std::function<void(const absl::Status& cause, int64_t from_revision,
                       absl::Duration delay, bool was_connected)>
        on_reconnect;
    // When the initial snapshot is complete, at store revision `revision`.
    std::function<void(int64_t revision)> on_snapshot_complete;
    // After each response once the snapshot (if any) is complete: everything
    // up to `revision` has been delivered. Progress messages call it too, so
    // it also says the stream is up again after a reconnect.
    std::function<void(int64_t revision)> on_progress;
  };

  WatchFollower(StreamOpener opener, WatchFollowerOptions options);

  WatchFollower(const WatchFollower&) = delete;
  WatchFollower& operator=(const WatchFollower&) = delete;

  // Watches until Stop (returns OK), or returns the error that ended it:
  // OUT_OF_RANGE naming the revision that is no longer kept, UNAVAILABLE when
  // the first connection never succeeded, or any other non-retryable code.
  absl::Status Run(const claims::v1::WatchClaimsRequest& request,
                   const Callbacks& callbacks);

  // Ends Run soon: cancels the current stream and any backoff wait. Idempotent.
  void Stop();

 private:
  // The request for the next connection, from what has been delivered so far.
  claims::v1::WatchClaimsRequest NextRequest() const;
  // Delivers what `response` holds that was not delivered before.
  void Deliver(const claims::v1::WatchClaimsResponse& response,
               const Callbacks& callbacks);

  const StreamOpener opener_;
  const WatchFollowerOptions options_;
  absl::BitGen gen_;

  // State of the run, touched only by the Run thread.
  claims::v1::WatchClaimsRequest first_request_;
  // Asked for a snapshot that has not completed yet.
  bool snapshot_pending_ = false;
  // The next revision to ask for; 0 until a response told us where we are.
  int64_t resume_revision_ = 0;
  // Highest revision of a delivered non-snapshot event.
  int64_t last_event_revision_ = 0;
  // While an interrupted snapshot is redone: claim name -> delivered claim
  // revision.
  std::map<std::string, int64_t> snapshot_delivered_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  WatchStream* current_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_WATCH_FOLLOWER_H_
