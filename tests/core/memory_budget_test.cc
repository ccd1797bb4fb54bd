// MemoryBudget never lets its holders pass the limit together.
#include "service/core/memory_budget.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace claimd::core {
namespace {

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
  threads.reserve(8);
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

}  // namespace
}  // namespace claimd::core
