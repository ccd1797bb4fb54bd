// LogRateLimiter: keeps repeated log lines from flooding the log. Lines are
// grouped by a key (the source location of a gRPC message, say); each key may
// write `lines_per_window` lines per window, the rest are dropped and counted,
// and the next line written under that key says how many were dropped. It
// exists because some lines are written on behalf of unauthenticated peers
// (gRPC's transport errors quote what a client sent): without a limit, any
// client could fill the disk or bury other lines.
//
//   LogRateLimiter limiter(20, absl::Seconds(10));
//   if (std::optional<int64_t> dropped = limiter.Admit(key, now)) {
//     ... write the line, mentioning *dropped when it is not 0 ...
//   }
//
// Time is a monotonic clock reading, passed in (tests need no sleeps). Keys
// must come from a bounded set (source locations, not peer input): one entry
// per key is kept. Thread-safety: Admit may be called concurrently.
#ifndef CLAIMD_SERVICE_UTIL_LOG_RATE_LIMITER_H_
#define CLAIMD_SERVICE_UTIL_LOG_RATE_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace claimd::util {

class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LogRateLimiter(int lines_per_window, Clock::duration window)
      : lines_per_window_(lines_per_window), window_(window) {}
  LogRateLimiter(const LogRateLimiter&) = delete;
  LogRateLimiter& operator=(const LogRateLimiter&) = delete;

  // nullopt: drop the line. Otherwise write it; the value is the number of
  // lines under `key` dropped since the last one written.
  std::optional<int64_t> Admit(absl::string_view key, Clock::time_point now);

 private:
  struct Window {
    Clock::time_point start;
    int written = 0;
    int64_t dropped = 0;
  };

  const int lines_per_window_;
  const Clock::duration window_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace claimd::util

#endif  // CLAIMD_SERVICE_UTIL_LOG_RATE_LIMITER_H_
