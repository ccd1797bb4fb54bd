// RevisionWaiter (see revision_waiter.h).
#include "service/etcd_store/revision_waiter.h"

#include <algorithm>
#include <chrono>

namespace claimd::etcd_store {

void RevisionWaiter::Publish(int64_t revision) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (revision <= revision_) return;
    revision_ = revision;
  }
  changed_.notify_all();
}

void RevisionWaiter::Close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

RevisionWaiter::Outcome RevisionWaiter::Wait(int64_t target,
                                             absl::Duration timeout,
                                             int64_t* seen) const {
  std::unique_lock<std::mutex> lock(mutex_);
  // Capped so the steady_clock arithmetic cannot overflow.
  const auto deadline =
      std::chrono::steady_clock::now() +
      absl::ToChronoNanoseconds(
          std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365)));
  changed_.wait_until(lock, deadline,
                      [&] { return closed_ || revision_ >= target; });
  *seen = revision_;
  if (closed_) return Outcome::kClosed;
  return revision_ >= target ? Outcome::kReached : Outcome::kTimedOut;
}

}  // namespace claimd::etcd_store
