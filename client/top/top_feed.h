// TopFeed: the network side of `claimctl top`, on threads of its own.
//
// One thread runs a WatchFollower (watch_follower.h) over a single WatchClaims
// stream with initial_snapshot: it reconnects with backoff and resumes from the
// last revision, never re-listing. Another, started by FetchHistory, reads one
// claim's history. Neither touches the screen: they post TopUpdates to an
// inbox that the UI thread drains between frames (Drain), so the UI never
// waits on the network.
//
//   TopFeed feed(opener, history_reader, options, "status = REPORTED");
//   for (TopUpdate& update : feed.Drain()) Apply(update, model);
//   // ~TopFeed stops the follower and joins its threads.
//
// Locks: `mu_` guards only the inbox and history_running_; it is held for a
// push or a swap, never while calling out. WatchFollower::Stop takes the
// follower's own lock and cancels the stream; no code path holds both.
//
// Thread-safety: Drain, FetchHistory and the destructor are called from one
// (the UI) thread; the callbacks run on the feed's threads.
#ifndef CLAIMD_CLIENT_TOP_TOP_FEED_H_
#define CLAIMD_CLIENT_TOP_TOP_FEED_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claimd/client/watch_follower.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

// What happened on the network, for the UI thread to apply.
struct TopEvent {
  claims::v1::ClaimEvent event;
};
// A change after which its claim no longer matches the filter.
struct TopLeftFilter {
  claims::v1::ClaimEvent event;
};
struct TopProgress {
  int64_t revision = 0;  // complete up to here
};
struct TopSnapshotDone {
  int64_t revision = 0;
};
struct TopReconnecting {
  absl::Status cause;
  int64_t from_revision = 0;
  absl::Time retry_at;
};
// The store was restored; a new snapshot follows.
struct TopStoreReset {
  absl::Status cause;
};
struct TopEnded {
  absl::Status status;  // OK after Stop
};
struct TopHistory {
  std::string name;
  absl::StatusOr<std::vector<claims::v1::ClaimEvent>> events;
};
using TopUpdate =
    std::variant<TopEvent, TopLeftFilter, TopProgress, TopSnapshotDone,
                 TopReconnecting, TopStoreReset, TopEnded, TopHistory>;

class TopFeed {
 public:
  // Reads every event of one claim (all pages).
  using HistoryReader =
      std::function<absl::StatusOr<std::vector<claims::v1::ClaimEvent>>(
          const std::string& name)>;

  // Starts watching `filter` at once.
  TopFeed(WatchFollower::StreamOpener opener, HistoryReader history,
          WatchFollowerOptions options, const std::string& filter);
  // Stops the follower, joins both threads: at most one history read (it has
  // the client's deadline) is waited for.
  ~TopFeed();

  TopFeed(const TopFeed&) = delete;
  TopFeed& operator=(const TopFeed&) = delete;

  // Ends the current stream (its cancellation is immediate), drops its
  // undrained updates and watches `filter` from a new snapshot.
  void Restart(const std::string& filter);

  // Everything posted since the last call, in order.
  std::vector<TopUpdate> Drain();

  // Reads `name`'s history on a thread; the result arrives as a TopHistory.
  // False (and nothing started) while an earlier fetch is still running, so
  // the caller never waits for it.
  bool FetchHistory(const std::string& name);

 private:
  void Post(TopUpdate update);
  void StartWatch(const std::string& filter);
  void StopWatch();

  const WatchFollower::StreamOpener opener_;
  const HistoryReader history_;
  const WatchFollowerOptions options_;
  std::unique_ptr<WatchFollower> follower_;
  absl::Mutex mu_;
  std::vector<TopUpdate> inbox_ ABSL_GUARDED_BY(mu_);
  bool history_running_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watch_thread_;
  std::thread history_thread_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_TOP_TOP_FEED_H_
