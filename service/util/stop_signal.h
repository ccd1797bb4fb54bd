// StopSignal: a one-way "stop" flag that threads wait on with timeouts
// measured on the monotonic clock.
//
// Why not absl::Mutex::AwaitWithTimeout: in Abseil 20220623 every timed wait
// becomes an absolute wall-clock deadline (futex FUTEX_CLOCK_REALTIME), so a
// clock set back by 10 s stretches a 1 s wait to 11 s and one set forward cuts
// it short. std::condition_variable waiting on std::chrono::steady_clock uses
// pthread_cond_clockwait with CLOCK_MONOTONIC, which no clock step moves.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CLAIMD_SERVICE_UTIL_STOP_SIGNAL_H_
#define CLAIMD_SERVICE_UTIL_STOP_SIGNAL_H_

#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

namespace claimd::util {

class StopSignal {
 public:
  StopSignal() = default;
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Sets the flag and wakes every waiter. Idempotent.
  void Stop();
  bool stopped() const;

  // Waits until Stop() or until `timeout` has passed on the monotonic clock
  // (InfiniteDuration: no timeout). Returns true when stopped.
  bool WaitFor(absl::Duration timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopped_ = false;  // guarded by mutex_
};

}  // namespace claimd::util

#endif  // CLAIMD_SERVICE_UTIL_STOP_SIGNAL_H_
