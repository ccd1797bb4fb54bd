// WatchHub: fans committed events out to every watcher without copying them.
//
// The hub keeps one shared, bounded, in-memory log of the most recent events (a
// window of revisions [first, last], dense because every revision is one
// event). A watcher is only a cursor (the next revision it wants) plus a
// filter: it pulls events from the log with Read(), one batch per message it
// sends. Because a watcher pulls only when its previous message has been
// written, a slow reader costs nothing but its cursor: writers never wait for
// it and no events are queued for it. When its cursor falls behind the log's
// window, Read() says kNeedsCatchUp and the watcher reads those events from the
// store; when it reaches the head, Read() registers it to be woken (once) by
// the next commit.
//
// Every Read() either returns events or registers the waiter under the same
// lock that OnCommit() takes, so no commit can fall between "nothing new" and
// "wake me".
//
// Thread-safety: all methods are safe to call concurrently. OnCommit() comes
// from the store's commit thread. WatchWaiter::Wake() is called with no hub
// lock held. Lock order: WatchHub::mutex_ is a leaf (nothing else is locked
// while it is held).
#ifndef CLAIMD_SERVICE_CORE_WATCH_HUB_H_
#define CLAIMD_SERVICE_CORE_WATCH_HUB_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "service/core/claim.h"
#include "service/core/claim_store.h"
#include "service/core/filter/filter.h"

namespace claimd::core {

// A watcher waiting for events. Wake() must not block; it is called at most
// once per registration, after a commit, a progress tick or shutdown.
class WatchWaiter {
 public:
  virtual ~WatchWaiter() = default;
  virtual void Wake() = 0;
};

struct WatchHubOptions {
  // The log keeps at most this many events and about this many bytes of them;
  // older ones are read back from the store by the watchers that still need
  // them.
  size_t max_events = 100000;
  size_t max_bytes = size_t{64} << 20;
  // A Read() examines at most this many events, so one watcher's scan is short.
  size_t max_examined_per_read = 4096;
};

class WatchHub : public CommitObserver {
 public:
  enum class Outcome {
    kEvents,        // `events` (possibly empty when none matched) up to
                    // `covered_revision`
    kWaiting,       // at the head: nothing new; the waiter will be woken
    kNeedsCatchUp,  // next_revision is older than the log: read from the store
    kShutdown,      // the hub is shutting down: end the watch
    kUnavailable,   // at the head while the store is unreachable
                    // (SetUnavailable): end the watch, Unavailability() says
                    // why, so that its client resumes on another replica
  };
  struct ReadResult {
    Outcome outcome = Outcome::kEvents;
    std::vector<ClaimEventPtr> events;  // matching, ascending revision
    // Every revision up to here has been examined; continue at covered_revision
    // + 1.
    int64_t covered_revision = 0;
  };

  explicit WatchHub(WatchHubOptions options = {});
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // CommitObserver.
  void OnOpen(int64_t current_revision) override;
  void OnCommit(absl::Span<const ClaimEventPtr> events) override;

  // Returns up to `max_events` events with revision >= next_revision that match
  // `filter`. When none are left, registers `waiter` (held weakly) and returns
  // kWaiting.
  ReadResult Read(int64_t next_revision, const Filter& filter,
                  size_t max_events,
                  const std::shared_ptr<WatchWaiter>& waiter);

  // Drops a registration (a watcher that ended). Safe if it was not registered.
  void Unregister(WatchWaiter* waiter);

  // Wakes every waiting watcher once, e.g. so idle ones can send a progress
  // message.
  void WakeAll();

  // From now on Read() returns kShutdown; wakes everyone waiting.
  void Shutdown();
  // While `status` is an error, a watcher that has read everything the log
  // holds gets kUnavailable instead of waiting, and everyone waiting is woken
  // to learn it: a replica cut off from its store sends its watchers to one
  // that is not (as etcd ends the watches of a member without a leader).
  // SetUnavailable(OK) ends that.
  void SetUnavailable(absl::Status status);
  absl::Status Unavailability() const;

  int64_t LastRevision() const;
  size_t WaitingCount() const;
  size_t CachedEvents() const;

 private:
  using WaiterMap =
      absl::flat_hash_map<WatchWaiter*, std::weak_ptr<WatchWaiter>>;
  static void WakeEach(const WaiterMap& waiters);
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const WatchHubOptions options_;
  mutable absl::Mutex mutex_;
  std::deque<ClaimEventPtr> log_
      ABSL_GUARDED_BY(mutex_);  // revisions first_.. last_
  int64_t first_revision_ ABSL_GUARDED_BY(mutex_) =
      1;  // revision of log_.front()
  int64_t last_revision_ ABSL_GUARDED_BY(mutex_) = 0;
  size_t log_bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  WaiterMap waiters_ ABSL_GUARDED_BY(mutex_);
  bool shutdown_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Status unavailable_ ABSL_GUARDED_BY(mutex_);
};

// An estimate of the memory an event holds, for the log's byte bound.
size_t ApproximateEventBytes(const ClaimEvent& event);

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_WATCH_HUB_H_
