// Unit tests for ThreadPool (service/util/thread_pool.h): every scheduled task
// runs, on the pool's threads, and the destructor runs what is still queued
// before it joins.
#include "service/util/thread_pool.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace claimd::util {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(10);

TEST(ThreadPool, RunsEveryTask) {
  constexpr int kTasks = 1000;
  absl::Mutex mutex;
  int done = 0;
  ThreadPool pool(4);
  for (int i = 0; i < kTasks; ++i) {
    pool.Schedule([&] {
      absl::MutexLock lock(&mutex);
      ++done;
    });
  }
  absl::MutexLock lock(&mutex);
  EXPECT_TRUE(
      mutex.AwaitWithTimeout(absl::Condition(
                                 +[](int* n) { return *n == kTasks; }, &done),
                             kTimeout))
      << done << " of " << kTasks << " ran";
}

TEST(ThreadPool, RunsTasksOffTheCallingThread) {
  ThreadPool pool(1);
  absl::Notification ran;
  std::thread::id runner;
  pool.Schedule([&] {
    runner = std::this_thread::get_id();
    ran.Notify();
  });
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_NE(runner, std::this_thread::get_id());
}

TEST(ThreadPool, UrgentTasksOvertakeQueuedOnes) {
  std::vector<int> order;
  {
    ThreadPool pool(1);
    absl::Notification release;
    absl::Notification started;
    // Holds the only thread, so everything below is queued before any runs.
    pool.Schedule([&] {
      started.Notify();
      release.WaitForNotificationWithTimeout(kTimeout);
    });
    ASSERT_TRUE(started.WaitForNotificationWithTimeout(kTimeout));
    for (int i = 0; i < 3; ++i)
      pool.Schedule([&order, i] { order.push_back(i); });
    pool.ScheduleUrgent([&order] { order.push_back(100); });
    pool.ScheduleUrgent([&order] { order.push_back(101); });
    release.Notify();
  }  // the destructor drains and joins
  EXPECT_EQ(order, (std::vector<int>{100, 101, 0, 1, 2}));
}

TEST(ThreadPool, OneThreadRunsTasksInOrder) {
  std::vector<int> order;
  {
    ThreadPool pool(1);
    for (int i = 0; i < 100; ++i)
      pool.Schedule([&order, i] { order.push_back(i); });
  }  // the destructor drains and joins, so `order` is complete and ours
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(ThreadPool, RunsTasksConcurrently) {
  // Two tasks that each wait for the other can only finish on two threads.
  ThreadPool pool(2);
  absl::Notification a_started, b_started, a_done, b_done;
  pool.Schedule([&] {
    a_started.Notify();
    if (b_started.WaitForNotificationWithTimeout(kTimeout)) a_done.Notify();
  });
  pool.Schedule([&] {
    b_started.Notify();
    if (a_started.WaitForNotificationWithTimeout(kTimeout)) b_done.Notify();
  });
  EXPECT_TRUE(a_done.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_TRUE(b_done.WaitForNotificationWithTimeout(kTimeout));
}

TEST(ThreadPool, DestructorDrainsTheQueue) {
  std::atomic<int> done{0};
  absl::Notification release;  // outlives the pool
  {
    ThreadPool pool(2);
    // Hold both threads, so the 500 tasks after them are still queued when
    // the destructor begins (they can only start once `release` fires, just
    // before it).
    for (int i = 0; i < 2; ++i) {
      pool.Schedule([&] {
        release.WaitForNotificationWithTimeout(kTimeout);
        ++done;
      });
    }
    for (int i = 0; i < 500; ++i) pool.Schedule([&] { ++done; });
    release.Notify();
  }
  EXPECT_EQ(done.load(), 502);
}

TEST(ThreadPool, TasksMayScheduleMoreTasks) {
  std::atomic<int> done{0};
  {
    ThreadPool pool(2);
    absl::Notification inner_scheduled;
    pool.Schedule([&] {
      pool.Schedule([&] { ++done; });
      inner_scheduled.Notify();
      ++done;
    });
    ASSERT_TRUE(inner_scheduled.WaitForNotificationWithTimeout(kTimeout));
  }
  EXPECT_EQ(done.load(), 2);
}

TEST(ThreadPool, MoveOnlyTasksRun) {
  auto value = std::make_unique<int>(7);
  absl::Notification ran;
  int seen = 0;
  ThreadPool pool(1);
  pool.Schedule([value = std::move(value), &seen, &ran] {
    seen = *value;
    ran.Notify();
  });
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_EQ(seen, 7);
}

}  // namespace
}  // namespace claimd::util
