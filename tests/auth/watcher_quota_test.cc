#include "service/auth/watcher_quota.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::auth {
namespace {

using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

TEST(WatcherQuota, LimitsEachIdentityAndFreesSlotsOnRelease) {
  WatcherQuota quota(/*max_total=*/10, /*max_per_identity=*/2);
  ASSERT_OK_AND_ASSIGN(WatcherQuota::Lease first, quota.Acquire("alice"));
  ASSERT_OK_AND_ASSIGN(WatcherQuota::Lease second, quota.Acquire("alice"));
  EXPECT_THAT(quota.Acquire("alice"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("max_watchers_per_identity")));
  EXPECT_OK(quota.Acquire("bob").status());  // released at once
  first.reset();
  EXPECT_OK(quota.Acquire("alice").status());
  EXPECT_EQ(quota.total(), 1);
}

TEST(WatcherQuota, LimitsTheTotal) {
  WatcherQuota quota(/*max_total=*/3, /*max_per_identity=*/0);
  std::vector<WatcherQuota::Lease> leases;
  for (const char* who : {"a", "b", "c"}) {
    ASSERT_OK_AND_ASSIGN(WatcherQuota::Lease lease, quota.Acquire(who));
    leases.push_back(std::move(lease));
  }
  EXPECT_THAT(quota.Acquire("d"), StatusIs(absl::StatusCode::kResourceExhausted,
                                           HasSubstr("--max_watchers)")));
  leases.clear();
  EXPECT_EQ(quota.total(), 0);
}

TEST(WatcherQuota, ZeroMeansUnlimited) {
  WatcherQuota quota(0, 0);
  std::vector<WatcherQuota::Lease> leases;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(WatcherQuota::Lease lease, quota.Acquire("a"));
    leases.push_back(std::move(lease));
  }
  EXPECT_EQ(quota.total(), 100);
}

}  // namespace
}  // namespace claimd::auth
