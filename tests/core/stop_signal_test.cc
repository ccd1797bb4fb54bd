// StopSignal waits on the monotonic clock and wakes every waiter on Stop;
// MemoryBudget never lets its holders pass the limit together; the manual
// monotonic clock moves only when told.
#include "service/core/stop_signal.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "service/core/memory_budget.h"
#include "service/core/monotonic_clock.h"

namespace claimd::core {
namespace {

TEST(StopSignal, ATimeoutPassesWithoutAStop) {
  StopSignal stop;
  const absl::Duration start = MonotonicClock::Real().Now();
  EXPECT_FALSE(stop.WaitFor(absl::Milliseconds(50)));
  EXPECT_GE(MonotonicClock::Real().Now() - start, absl::Milliseconds(50));
  EXPECT_FALSE(stop.WaitFor(absl::ZeroDuration()));
}

TEST(StopSignal, StopWakesEveryWaiterAndStays) {
  StopSignal stop;
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      if (stop.WaitFor(absl::InfiniteDuration())) ++woken;
    });
  }
  stop.Stop();
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(woken.load(), 4);
  EXPECT_TRUE(stop.stopped());
  EXPECT_TRUE(stop.WaitFor(absl::Hours(1)));  // at once
}

TEST(MemoryBudget, HoldersTogetherStayWithinTheLimit) {
  MemoryBudget budget(1000);
  EXPECT_TRUE(budget.TryAcquire(600));
  EXPECT_FALSE(budget.TryAcquire(401));
  EXPECT_TRUE(budget.TryAcquire(400));
  EXPECT_FALSE(budget.TryAcquire(1));
  budget.Release(600);
  EXPECT_EQ(budget.used(), 400u);
  EXPECT_FALSE(budget.TryAcquire(size_t{1} << 62));  // no overflow
  std::vector<std::thread> threads;
  std::atomic<int> granted{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j) granted += budget.TryAcquire(1) ? 1 : 0;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 600);
  EXPECT_EQ(budget.used(), 1000u);
}

TEST(ManualMonotonicClock, MovesOnlyWhenAdvanced) {
  ManualMonotonicClock clock;
  EXPECT_EQ(clock.Now(), absl::ZeroDuration());
  clock.Advance(absl::Seconds(3));
  EXPECT_EQ(clock.Now(), absl::Seconds(3));
  const absl::Duration a = MonotonicClock::Real().Now();
  EXPECT_LE(a, MonotonicClock::Real().Now());
}

}  // namespace
}  // namespace claimd::core
