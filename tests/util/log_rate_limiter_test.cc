// LogRateLimiter: a key writes its quota of lines per window, the rest are
// counted, and the next line written reports how many were dropped.
#include "service/util/log_rate_limiter.h"

#include <chrono>

#include "gtest/gtest.h"

namespace claimd::util {
namespace {

using Clock = LogRateLimiter::Clock;
using std::chrono::seconds;

TEST(LogRateLimiter, AKeyWritesItsQuotaPerWindowThenDrops) {
  LogRateLimiter limiter(3, seconds(10));
  const Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Admit("a.cc:1", t0), 0);
  EXPECT_EQ(limiter.Admit("a.cc:1", t0 + seconds(9)), std::nullopt);
  EXPECT_EQ(limiter.Admit("a.cc:1", t0 + seconds(9)), std::nullopt);
  // Another key has its own quota.
  EXPECT_EQ(limiter.Admit("b.cc:2", t0 + seconds(9)), 0);
}

TEST(LogRateLimiter, TheFirstLineOfTheNextWindowCountsTheDropped) {
  LogRateLimiter limiter(1, seconds(10));
  const Clock::time_point t0{};
  EXPECT_EQ(limiter.Admit("k", t0), 0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Admit("k", t0), std::nullopt);
  EXPECT_EQ(limiter.Admit("k", t0 + seconds(10)), 5);
  EXPECT_EQ(limiter.Admit("k", t0 + seconds(10)), std::nullopt);
  EXPECT_EQ(limiter.Admit("k", t0 + seconds(25)), 1);
}

}  // namespace
}  // namespace claimd::util
