// RevisionWaiter: lets threads wait, with a timeout on the monotonic clock,
// until a replica's applied revision reaches a value, or until the store
// closes. The etcd store's reads and writer wait on it for the watch.
//
// Why not absl::CondVar::WaitWithTimeout on the store's mutex: Abseil 20220623
// turns every timed wait into an absolute wall-clock deadline, so a clock set
// back by 10 s stretches a 5 s wait to 15 s and one set forward fails it at
// once. std::condition_variable waiting on std::chrono::steady_clock
// (pthread_cond_clockwait, CLOCK_MONOTONIC) is moved by no clock step, as in
// util::StopSignal.
//
// Thread-safety: all methods may be called concurrently. Its mutex is a leaf:
// callers may hold their own locks (the store's state_mutex_) while calling
// Publish or Close; it never calls out.
#ifndef CLAIMD_SERVICE_ETCD_STORE_REVISION_WAITER_H_
#define CLAIMD_SERVICE_ETCD_STORE_REVISION_WAITER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "absl/time/time.h"

namespace claimd::etcd_store {

class RevisionWaiter {
 public:
  enum class Outcome { kReached, kClosed, kTimedOut };

  RevisionWaiter() = default;
  RevisionWaiter(const RevisionWaiter&) = delete;
  RevisionWaiter& operator=(const RevisionWaiter&) = delete;

  // Raises the revision to `revision` (never lowers it) and wakes waiters.
  void Publish(int64_t revision);
  // Wakes every waiter for good; later waits return kClosed at once.
  void Close();

  // Waits until the revision is at least `target` (kReached), Close (kClosed)
  // or `timeout` has passed on the monotonic clock (kTimedOut). *seen gets
  // the revision when it returns.
  Outcome Wait(int64_t target, absl::Duration timeout, int64_t* seen) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  int64_t revision_ = 0;  // guarded by mutex_
  bool closed_ = false;   // guarded by mutex_
};

}  // namespace claimd::etcd_store

#endif  // CLAIMD_SERVICE_ETCD_STORE_REVISION_WAITER_H_
