// MemoryGuard with a scripted resident-set size: over and back under the
// ceiling, then past 1.5x of it (the last resort).
#include "service/api/memory_guard.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace claimd::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMiB = int64_t{1} << 20;

TEST(MemoryGuard, ReportsCrossingTheCeilingBothWaysThenExitsPastTheFactor) {
  // One value per sample; the last one repeats.
  const std::vector<int64_t> script = {50 * kMiB, 150 * kMiB, 120 * kMiB,
                                       80 * kMiB, 110 * kMiB, 160 * kMiB};
  std::atomic<size_t> next{0};
  absl::Mutex mutex;
  std::vector<bool> changes;
  std::string reason;
  absl::Notification exited;
  MemoryGuard guard(
      MemoryGuardOptions{.ceiling_bytes = 100 * kMiB,
                         .interval = absl::Milliseconds(1),
                         .exit_factor = 1.5,
                         .exit_after = absl::Hours(1),
                         .on_change =
                             [&](bool over) {
                               absl::MutexLock lock(&mutex);
                               changes.push_back(over);
                             },
                         .on_exit =
                             [&](const std::string& why) {
                               reason = why;
                               exited.Notify();
                             },
                         .read_rss =
                             [&] {
                               size_t i = next.fetch_add(1);
                               return script[std::min(i, script.size() - 1)];
                             }});
  ASSERT_TRUE(exited.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_TRUE(guard.over_ceiling());
  EXPECT_THAT(reason, HasSubstr("160 MiB is over 1.5x --max_rss_mib"));
  absl::MutexLock lock(&mutex);
  EXPECT_THAT(changes, ElementsAre(true, false, true));
}

TEST(MemoryGuard, ExitsWhenMemoryStaysOverTheCeiling) {
  absl::Notification exited;
  std::string reason;
  MemoryGuard guard(MemoryGuardOptions{.ceiling_bytes = 100 * kMiB,
                                       .interval = absl::Milliseconds(1),
                                       .exit_after = absl::Milliseconds(20),
                                       .on_exit =
                                           [&](const std::string& why) {
                                             reason = why;
                                             exited.Notify();
                                           },
                                       .read_rss = [] { return 101 * kMiB; }});
  ASSERT_TRUE(exited.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_THAT(reason, HasSubstr("stayed over --max_rss_mib"));
}

TEST(MemoryGuard, ReadsThisProcessResidentSet) {
  EXPECT_GT(MemoryGuard::ProcessRss(), 0);
}

}  // namespace
}  // namespace claimd::api
