#include "service/util/log_rate_limiter.h"

namespace claimd::util {

std::optional<int64_t> LogRateLimiter::Admit(absl::string_view key,
                                             Clock::time_point now) {
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = windows_.try_emplace(key);
  Window& window = it->second;
  if (inserted || now - window.start >= window_) {
    window.start = now;
    window.written = 0;
  }
  if (window.written >= lines_per_window_) {
    ++window.dropped;
    return std::nullopt;
  }
  ++window.written;
  const int64_t dropped = window.dropped;
  window.dropped = 0;
  return dropped;
}

}  // namespace claimd::util
