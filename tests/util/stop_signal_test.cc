// StopSignal waits on the monotonic clock and wakes every waiter on Stop; the
// manual monotonic clock moves only when told.
#include "service/util/stop_signal.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "service/util/monotonic_clock.h"

namespace claimd::util {
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
  waiters.reserve(4);
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

TEST(ManualMonotonicClock, MovesOnlyWhenAdvanced) {
  ManualMonotonicClock clock;
  EXPECT_EQ(clock.Now(), absl::ZeroDuration());
  clock.Advance(absl::Seconds(3));
  EXPECT_EQ(clock.Now(), absl::Seconds(3));
  const absl::Duration a = MonotonicClock::Real().Now();
  EXPECT_LE(a, MonotonicClock::Real().Now());
}

}  // namespace
}  // namespace claimd::util
