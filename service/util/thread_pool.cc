#include "service/util/thread_pool.h"

#include <algorithm>
#include <utility>

namespace claimd::util {

ThreadPool::ThreadPool(int threads) {
  threads =
      std::max(threads, 1);  // a pool without threads would never run a task
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void ThreadPool::Schedule(absl::AnyInvocable<void() &&> task) {
  absl::MutexLock lock(&mutex_);
  tasks_.push_back(std::move(task));
}

void ThreadPool::ScheduleUrgent(absl::AnyInvocable<void() &&> task) {
  absl::MutexLock lock(&mutex_);
  urgent_.push_back(std::move(task));
}

void ThreadPool::Loop() {
  while (true) {
    absl::AnyInvocable<void() &&> task;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](ThreadPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mutex_) {
            return pool->stopping_ || !pool->tasks_.empty() ||
                   !pool->urgent_.empty();
          },
          this));
      std::deque<absl::AnyInvocable<void()&&>>& queue =
          urgent_.empty() ? tasks_ : urgent_;
      if (queue.empty()) return;  // stopping, and everything queued has run
      task = std::move(queue.front());
      queue.pop_front();
    }
    std::move(task)();
  }
}

}  // namespace claimd::util
