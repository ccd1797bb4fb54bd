#include "service/api/unary_deadline.h"

#include <algorithm>
#include <chrono>

#include "service/util/monotonic_clock.h"

namespace claimd::api {

absl::Time ServerDeadline(absl::Time now, absl::Time client_deadline,
                          const UnaryDeadlineOptions& options) {
  const bool client_has_one = client_deadline != absl::InfiniteFuture();
  const absl::Duration bound =
      client_has_one ? options.max_deadline : options.default_deadline;
  if (bound <= absl::ZeroDuration()) return absl::InfiniteFuture();
  const absl::Time server = now + bound;
  return server < client_deadline ? server : absl::InfiniteFuture();
}

DeadlineTimer::DeadlineTimer() : thread_([this] { Run(); }) {}

DeadlineTimer::~DeadlineTimer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

DeadlineTimer::Handle DeadlineTimer::After(absl::Duration delay,
                                           std::function<void()> fire) {
  Handle handle;
  bool earliest = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    handle = {util::MonotonicClock::Real().Now() + delay, next_id_++};
    pending_.emplace(handle, std::move(fire));
    earliest = pending_.begin()->first == handle;
  }
  // The timer thread sleeps until the earliest deadline: only a new earliest
  // one changes that (writes with the usual deadline never wake it).
  if (earliest) changed_.notify_all();
  return handle;
}

void DeadlineTimer::Cancel(const Handle& handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.erase(handle);
}

size_t DeadlineTimer::PendingForTest() {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.size();
}

void DeadlineTimer::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (pending_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const absl::Duration first = pending_.begin()->first.first;
    if (first > util::MonotonicClock::Real().Now()) {
      // MonotonicClock::Real is steady_clock's time since its epoch, so this
      // is the same instant on steady_clock. Woken early by a new earliest
      // entry, a cancel or stopping: the loop looks again.
      changed_.wait_until(
          lock,
          std::chrono::steady_clock::time_point(
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                  absl::ToChronoNanoseconds(first))));
      continue;
    }
    std::function<void()> fire = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    lock.unlock();
    fire();
    lock.lock();
  }
}

}  // namespace claimd::api
