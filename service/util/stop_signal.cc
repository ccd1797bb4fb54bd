#include "service/util/stop_signal.h"

#include <algorithm>
#include <chrono>

namespace claimd::util {

void StopSignal::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  changed_.notify_all();
}

bool StopSignal::stopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopped_;
}

bool StopSignal::WaitFor(absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  if (timeout == absl::InfiniteDuration()) {
    changed_.wait(lock, [this] { return stopped_; });
    return true;
  }
  if (timeout <= absl::ZeroDuration()) return stopped_;
  // Capped so the steady_clock arithmetic cannot overflow.
  const auto deadline =
      std::chrono::steady_clock::now() +
      absl::ToChronoNanoseconds(std::min(timeout, absl::Hours(24 * 365)));
  return changed_.wait_until(lock, deadline, [this] { return stopped_; });
}

}  // namespace claimd::util
