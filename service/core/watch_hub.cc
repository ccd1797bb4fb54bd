#include "service/core/watch_hub.h"

#include <algorithm>
#include <utility>

namespace claimd::core {

size_t ApproximateEventBytes(const ClaimEvent& event) {
  const Claim& claim = event.claim;
  size_t bytes =
      sizeof(ClaimEvent) + claim.id.capacity() + claim.statement.capacity();
  for (const auto& [key, value] : claim.labels)
    bytes += 64 + key.size() + value.size();
  // Items shared with other events are counted in each: a bound that errs
  // high.
  return bytes + claim.evidence.ApproximateBytes();
}

WatchHub::WatchHub(WatchHubOptions options) : options_(options) {}

void WatchHub::OnOpen(int64_t current_revision) {
  absl::MutexLock lock(&mutex_);
  log_.clear();
  log_bytes_ = 0;
  last_revision_ = current_revision;
  first_revision_ = current_revision + 1;
}

void WatchHub::OnCommit(absl::Span<const ClaimEventPtr> events) {
  if (events.empty()) return;
  WaiterMap to_wake;
  {
    absl::MutexLock lock(&mutex_);
    for (const ClaimEventPtr& event : events) {
      // The store promises dense, ordered revisions; anything else is a bug
      // that would make watchers skip events, so restart the window rather than
      // index it wrongly.
      if (event->revision != last_revision_ + 1) {
        log_.clear();
        log_bytes_ = 0;
        first_revision_ = event->revision;
      }
      log_.push_back(event);
      log_bytes_ += ApproximateEventBytes(*event);
      last_revision_ = event->revision;
    }
    EvictLocked();
    to_wake.swap(waiters_);
  }
  WakeEach(to_wake);
}

void WatchHub::EvictLocked() {
  // Keep at least the newest event so a watcher at the head never needs the
  // store.
  while (log_.size() > 1 && (log_.size() > options_.max_events ||
                             log_bytes_ > options_.max_bytes)) {
    log_bytes_ -= ApproximateEventBytes(*log_.front());
    log_.pop_front();
    ++first_revision_;
  }
}

WatchHub::ReadResult WatchHub::Read(
    int64_t next_revision, const Filter& filter, size_t max_events,
    const std::shared_ptr<WatchWaiter>& waiter) {
  ReadResult result;
  max_events =
      std::max<size_t>(max_events, 1);  // 0 would never advance the cursor
  {
    // Scanning only reads the log, so many watchers scan at once.
    absl::ReaderMutexLock lock(&mutex_);
    if (shutdown_) {
      result.outcome = Outcome::kShutdown;
      result.covered_revision = std::min(next_revision - 1, last_revision_);
      return result;
    }
    if (next_revision < first_revision_ && next_revision <= last_revision_) {
      result.outcome = Outcome::kNeedsCatchUp;
      result.covered_revision = next_revision - 1;
      return result;
    }
    if (next_revision <= last_revision_) {
      size_t index = static_cast<size_t>(next_revision - first_revision_);
      size_t examined = 0;
      int64_t covered = next_revision - 1;
      while (index < log_.size() && examined < options_.max_examined_per_read &&
             result.events.size() < max_events) {
        const ClaimEventPtr& event = log_[index];
        if (filter.MatchesAll() || filter.MatchesEvent(*event))
          result.events.push_back(event);
        covered = event->revision;
        ++index;
        ++examined;
      }
      result.outcome = Outcome::kEvents;
      result.covered_revision = covered;
      if (!result.events.empty() || covered < last_revision_) return result;
      next_revision =
          covered + 1;  // examined everything, none matched: wait below
    }
  }
  absl::MutexLock lock(&mutex_);
  if (shutdown_) {
    result.outcome = Outcome::kShutdown;
  } else if (next_revision <= last_revision_) {
    // A commit landed between the scan and this lock: report progress, let the
    // caller read again rather than sleep through it.
    result.outcome = Outcome::kEvents;
  } else if (!unavailable_.ok()) {
    result.outcome = Outcome::kUnavailable;
  } else {
    waiters_[waiter.get()] = waiter;
    result.outcome = Outcome::kWaiting;
  }
  result.covered_revision = std::min(next_revision - 1, last_revision_);
  return result;
}

void WatchHub::Unregister(WatchWaiter* waiter) {
  absl::MutexLock lock(&mutex_);
  waiters_.erase(waiter);
}

void WatchHub::WakeAll() {
  WaiterMap to_wake;
  {
    absl::MutexLock lock(&mutex_);
    to_wake.swap(waiters_);
  }
  WakeEach(to_wake);
}

void WatchHub::SetUnavailable(absl::Status status) {
  WaiterMap to_wake;
  {
    absl::MutexLock lock(&mutex_);
    const bool was_available = unavailable_.ok();
    unavailable_ = std::move(status);
    if (was_available && !unavailable_.ok()) to_wake.swap(waiters_);
  }
  WakeEach(to_wake);
}

absl::Status WatchHub::Unavailability() const {
  absl::ReaderMutexLock lock(&mutex_);
  return unavailable_;
}

void WatchHub::Shutdown() {
  WaiterMap to_wake;
  {
    absl::MutexLock lock(&mutex_);
    shutdown_ = true;
    to_wake.swap(waiters_);
  }
  WakeEach(to_wake);
}

void WatchHub::WakeEach(const WaiterMap& waiters) {
  for (const auto& [raw, weak] : waiters) {
    if (std::shared_ptr<WatchWaiter> waiter = weak.lock()) waiter->Wake();
  }
}

int64_t WatchHub::LastRevision() const {
  absl::ReaderMutexLock lock(&mutex_);
  return last_revision_;
}

size_t WatchHub::WaitingCount() const {
  absl::ReaderMutexLock lock(&mutex_);
  return waiters_.size();
}

size_t WatchHub::CachedEvents() const {
  absl::ReaderMutexLock lock(&mutex_);
  return log_.size();
}

}  // namespace claimd::core
