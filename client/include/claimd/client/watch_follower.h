// WatchFollower: a WatchClaims stream that survives disconnects.
//
// Runs WatchClaims through a StreamOpener and hands every event to a callback,
// in revision order, each exactly once. When a stream ends with UNAVAILABLE
// (server shutdown, dropped connection, a replica gone: the channel fails over
// to another address), CANCELLED not caused by Stop (a call that reached a
// server already shutting down), RESOURCE_EXHAUSTED, UNKNOWN or ABORTED (a
// broken transport), or ends without an error, the follower waits a capped
// exponential backoff with jitter and watches again from the last response's
// `revision` + 1, naming the store identity (`store_id`) that revision belongs
// to, so nothing is lost and nothing repeats. With `initial_snapshot`, only the
// first connection asks for the snapshot; if it drops before the snapshot
// completed the snapshot is asked for again and a claim already delivered at
// the same claim revision is not delivered twice.
//
// Store resets: when a resumed watch ends with FAILED_PRECONDITION (the store
// was restored from a backup, so it has another store_id, or the revision is
// beyond the store's), the revisions seen so far mean nothing any more. With
// `resnapshot_on_reset` the follower reports it (on_reset) and starts over
// with an initial snapshot of the current state; without, Run returns the
// error. OUT_OF_RANGE (history trimmed) is handled the same way when
// `resnapshot_on_out_of_range` is set, else it ends Run, as other errors and
// Stop do.
//
//   WatchFollower follower(
//       [&](const auto& r) { return client.WatchClaims(r); }, {});
//   absl::Status status = follower.Run(request, {.on_event = Print});
//   // From a signal thread: follower.Stop(); Run then returns OK.
//
// Until a first stream has delivered a response, Run gives up after
// `max_initial_attempts` connection failures when that is positive (a script
// that wants to fail fast); 0 keeps trying, with the same capped backoff, for
// as long as it takes (a monitor started before its server).
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
#include "claimd/client/backoff.h"
#include "claimd/client/watch_stream.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

struct WatchFollowerOptions {
  BackoffPolicy backoff{absl::Milliseconds(500), absl::Seconds(30), 2.0, 0.2};
  // After a server that answered ended the watch UNAVAILABLE (a claimd
  // replica cut off from its store sends its watchers elsewhere), the next
  // attempt waits at most this long: it goes to another replica, or finds
  // this one serving again soon after its store is back, rather than after
  // the backoff grown over a long outage.
  absl::Duration answered_unavailable_max_delay = absl::Seconds(2);
  // 0: never give up before the first response.
  int max_initial_attempts = 0;
  // When set, a wait after no server could be reached at all ends as soon as
  // this returns true (ClaimClient::ChannelReady: gRPC reconnected, which it
  // tries every 5 s with claimctl's channel), instead of when the backoff ends: after an
  // outage the backoff has grown to many seconds, and the watch would resume
  // that long after its server came back. Polled every 200 ms.
  std::function<bool()> server_ready;
  bool resnapshot_on_reset = true;
  bool resnapshot_on_out_of_range = false;
};

class WatchFollower {
 public:
  using StreamOpener = std::function<std::unique_ptr<WatchStream>(
      const claims::v1::WatchClaimsRequest&)>;

  struct Callbacks {
    // Every event, exactly once, in order.
    std::function<void(const claims::v1::ClaimEvent&)> on_event;
    // When set, a change after which its claim no longer matches the watch's
    // filter (the server lists it in left_filter_revisions) comes here
    // instead of on_event, in the same order: a consumer that keeps the
    // filter's claims drops this one. Unset: on_event gets it.
    std::function<void(const claims::v1::ClaimEvent&)> on_left_filter;
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
    // The store the watch resumed on is not the one its revisions came from
    // (`cause`: FAILED_PRECONDITION or OUT_OF_RANGE); a new snapshot follows,
    // ending in on_snapshot_complete. A consumer drops what it derived from
    // the old revisions.
    std::function<void(const absl::Status& cause)> on_reset;
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

  // The store identity of the last revision delivered ("" until a response
  // named one). Only from the callbacks (the Run thread).
  const std::string& store_id() const { return store_id_; }

 private:
  // The request for the next connection, from what has been delivered so far.
  claims::v1::WatchClaimsRequest NextRequest() const;
  // Delivers what `response` holds that was not delivered before.
  void Deliver(const claims::v1::WatchClaimsResponse& response,
               const Callbacks& callbacks);
  // Forgets every revision seen and asks for a new snapshot next.
  void StartOver();
  // Waits `delay` before the next connection (less when no server could be
  // reached and options_.server_ready says one is back). True when Stop was
  // called.
  bool WaitBeforeRetry(absl::Duration delay, bool reached_no_server);

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
  // The store identity of resume_revision_ ("" until a response named one).
  std::string store_id_;
  // While an interrupted snapshot is redone: claim name -> delivered claim
  // revision.
  std::map<std::string, int64_t> snapshot_delivered_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  WatchStream* current_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_WATCH_FOLLOWER_H_
