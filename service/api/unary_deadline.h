// The server's own bound on how long a write may keep its caller waiting.
//
// A client that sends no deadline (or an absurdly long one) could otherwise
// wait forever on a stalled disk, holding a call slot the whole time. With
// --default_deadline and --max_deadline, claimd answers such a write with
// DEADLINE_EXCEEDED once its own deadline passes, while the client's own,
// tighter deadline keeps working as usual (gRPC enforces that one).
// DEADLINE_EXCEEDED is an unknown outcome: the write may still commit, and a
// retry with the same request_id tells which.
//
// Reads run at once on the calling thread against a local SQLite file and are
// not bounded here.
//
// Thread-safety: DeadlineTimer is thread-safe; ServerDeadline is pure.
#ifndef CLAIMD_SERVICE_API_UNARY_DEADLINE_H_
#define CLAIMD_SERVICE_API_UNARY_DEADLINE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/time/time.h"

namespace claimd::api {

struct UnaryDeadlineOptions {
  // Applied when the client sent no deadline. Zero: none.
  absl::Duration default_deadline = absl::ZeroDuration();
  // Caps the deadline a client sent. Zero: no cap.
  absl::Duration max_deadline = absl::ZeroDuration();
};

// When the server must answer a call that started at `now` with the client's
// `client_deadline` (InfiniteFuture: none), or InfiniteFuture when the client's
// deadline alone applies (it is the tighter one, or there is no server bound).
absl::Time ServerDeadline(absl::Time now, absl::Time client_deadline,
                          const UnaryDeadlineOptions& options);

// Runs callbacks after given delays on a thread of its own. Delays are
// measured on the monotonic clock (util::MonotonicClock::Real), so setting the
// wall clock forward cannot fire a write's deadline early, nor setting it back
// hold one late. Callbacks must be short and must not call back into the
// timer. Pending callbacks are dropped (not run) when the timer is destroyed.
class DeadlineTimer {
 public:
  // The monotonic time it fires at, and a tie-breaker.
  using Handle = std::pair<absl::Duration, uint64_t>;

  DeadlineTimer();
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  // Runs `fire` once `delay` has passed (at once, on the timer thread, if it
  // is not positive).
  Handle After(absl::Duration delay, std::function<void()> fire);
  // Drops the callback of `handle` if it has not run yet.
  void Cancel(const Handle& handle);

  size_t PendingForTest();

 private:
  void Run();

  // std::mutex and a condition variable on steady_clock rather than
  // absl::Mutex, whose timed waits follow the wall clock (core/stop_signal.h).
  std::mutex mutex_;
  std::condition_variable changed_;
  absl::btree_map<Handle, std::function<void()>> pending_;  // under mutex_
  uint64_t next_id_ = 0;                                    // under mutex_
  bool stopping_ = false;                                   // under mutex_
  std::thread thread_;
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_UNARY_DEADLINE_H_
