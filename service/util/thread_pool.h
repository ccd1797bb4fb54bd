// A small fixed pool of threads that runs queued tasks in FIFO order, urgent
// ones first.
//
// Used for work that may block on I/O (catch-up reads from the store) so that
// it never runs inside a gRPC reaction, and for work handed off the store's
// commit thread: watch pumps and write replies. Replies are urgent so that a
// commit that wakes a thousand watchers does not queue its writers' answers
// behind a thousand pumps: writes take precedence, delivery lags instead.
// Thread-safety: Schedule and ScheduleUrgent may be called from any thread;
// the destructor runs what is queued, then joins.
#ifndef CLAIMD_SERVICE_UTIL_THREAD_POOL_H_
#define CLAIMD_SERVICE_UTIL_THREAD_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace claimd::util {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Schedule(absl::AnyInvocable<void() &&> task);
  // Runs `task` before every task queued with Schedule (in FIFO order among
  // urgent ones). Never starves: urgent work is short and finite.
  void ScheduleUrgent(absl::AnyInvocable<void() &&> task);

 private:
  void Loop();

  absl::Mutex mutex_;
  std::deque<absl::AnyInvocable<void() &&>> tasks_ ABSL_GUARDED_BY(mutex_);
  std::deque<absl::AnyInvocable<void() &&>> urgent_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace claimd::util

#endif  // CLAIMD_SERVICE_UTIL_THREAD_POOL_H_
