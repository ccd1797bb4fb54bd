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

#include <cstdint>
#include <functional>
#include <thread>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/synchronization/mutex.h"
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

// Runs callbacks at given times on a thread of its own. Callbacks must be
// short and must not call back into the timer. Pending callbacks are dropped
// (not run) when the timer is destroyed.
class DeadlineTimer {
 public:
  using Handle = std::pair<absl::Time, uint64_t>;

  DeadlineTimer();
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  // Runs `fire` at `when` (at once, on the timer thread, if it is past).
  Handle At(absl::Time when, std::function<void()> fire);
  // Drops the callback of `handle` if it has not run yet.
  void Cancel(const Handle& handle);

  size_t PendingForTest();

 private:
  void Run();

  absl::Mutex mutex_;
  absl::btree_map<Handle, std::function<void()>> pending_
      ABSL_GUARDED_BY(mutex_);
  uint64_t next_id_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_UNARY_DEADLINE_H_
