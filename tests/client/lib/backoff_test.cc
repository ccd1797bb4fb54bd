#include "claimd/client/backoff.h"

#include "gtest/gtest.h"

namespace claimd::client {
namespace {

TEST(BackoffDelay, GrowsExponentiallyFromInitial) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5), 2.0, 0};
  EXPECT_EQ(BackoffDelay(policy, 0, 0.5), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(policy, 1, 0.5), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(policy, 3, 0.5), absl::Milliseconds(800));
}

TEST(BackoffDelay, IsCappedAtMaximum) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5), 2.0, 0};
  EXPECT_EQ(BackoffDelay(policy, 10, 0.5), absl::Seconds(5));
  EXPECT_EQ(BackoffDelay(policy, 1000, 0.5), absl::Seconds(5));
}

TEST(BackoffDelay, JitterScalesWithinBounds) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5), 2.0,
                             0.2};
  EXPECT_EQ(BackoffDelay(policy, 0, 0.0), absl::Milliseconds(80));
  EXPECT_EQ(BackoffDelay(policy, 0, 0.5), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(policy, 0, 0.75), absl::Milliseconds(110));
}

TEST(BackoffDelay, JitterNeverExceedsMaximum) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5), 2.0,
                             0.2};
  EXPECT_EQ(BackoffDelay(policy, 20, 0.99), absl::Seconds(5));
}

}  // namespace
}  // namespace claimd::client
