// MonotonicClock: the time that durations and schedules are measured on
// (progress messages, the server's ticker, write deadlines, compaction, health
// probes). It never steps: a wall clock set back 10 s must not silence a watch
// for 11 s, and one set forward must not fire write deadlines early. Wall-clock
// time (absl::Now) stays for timestamps people read: commit times, log lines.
//
// Now() is an absl::Duration since an arbitrary fixed origin, so intervals are
// plain absl::Duration arithmetic. Real() reads std::chrono::steady_clock
// (CLOCK_MONOTONIC); tests inject a ManualMonotonicClock.
//
// Thread-safety: Now() may be called concurrently.
#ifndef CLAIMD_SERVICE_UTIL_MONOTONIC_CLOCK_H_
#define CLAIMD_SERVICE_UTIL_MONOTONIC_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace claimd::util {

class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  // Time since this clock's origin; never decreases.
  virtual absl::Duration Now() const = 0;

  // The process's steady clock. Never destroyed.
  static const MonotonicClock& Real();
};

// A clock that moves only when told to, for tests.
class ManualMonotonicClock : public MonotonicClock {
 public:
  absl::Duration Now() const override {
    return absl::Nanoseconds(nanos_.load(std::memory_order_acquire));
  }
  void Advance(absl::Duration by) {
    nanos_.fetch_add(absl::ToInt64Nanoseconds(by), std::memory_order_acq_rel);
  }

 private:
  std::atomic<int64_t> nanos_{0};
};

}  // namespace claimd::util

#endif  // CLAIMD_SERVICE_UTIL_MONOTONIC_CLOCK_H_
