#include "service/api/unary_deadline.h"

#include <algorithm>

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
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  thread_.join();
}

DeadlineTimer::Handle DeadlineTimer::At(absl::Time when,
                                        std::function<void()> fire) {
  absl::MutexLock lock(&mutex_);
  Handle handle{when, next_id_++};
  pending_.emplace(handle, std::move(fire));
  return handle;
}

void DeadlineTimer::Cancel(const Handle& handle) {
  absl::MutexLock lock(&mutex_);
  pending_.erase(handle);
}

size_t DeadlineTimer::PendingForTest() {
  absl::MutexLock lock(&mutex_);
  return pending_.size();
}

void DeadlineTimer::Run() {
  absl::MutexLock lock(&mutex_);
  while (true) {
    // Wake for whichever comes first: stopping, an earlier entry, or the
    // earliest entry's time.
    const absl::Time first = pending_.empty() ? absl::InfiniteFuture()
                                              : pending_.begin()->first.first;
    auto changed = [this, first] {
      return stopping_ ||
             (!pending_.empty() && pending_.begin()->first.first < first);
    };
    mutex_.AwaitWithDeadline(absl::Condition(&changed), first);
    if (stopping_) return;
    if (pending_.empty() || pending_.begin()->first.first > absl::Now()) {
      continue;
    }
    std::function<void()> fire = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    mutex_.Unlock();
    fire();
    mutex_.Lock();
  }
}

}  // namespace claimd::api
