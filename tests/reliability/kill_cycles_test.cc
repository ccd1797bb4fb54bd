// kill -9 (and one SIGTERM) at random moments under a concurrent write load
// with watchers attached, restarting on the same data each time; the checker
// then judges the whole history. The soak runs the same with hundreds of
// cycles (tests/reliability/soak).
#include "tests/reliability/kill_cycles.h"

#include <iostream>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace claimd::reliability {
namespace {

TEST(KillCycles, NothingAcknowledgedIsLostAndWatchersSeeEverythingOnce) {
  testing::TempDir dir;
  KillCycleOptions options;
  options.cycles = 4;  // the 4th ends with SIGTERM
  options.work_dir = dir.path();
  KillCycleFigures figures = RunKillCycles(options);
  std::cout << figures.Report() << std::endl;
  EXPECT_EQ(figures.error, "");
  EXPECT_EQ(figures.cycles, 4);
  EXPECT_EQ(figures.sigterm_cycles, 1);
  EXPECT_TRUE(figures.check.ok()) << figures.Report();
  EXPECT_EQ(figures.check.writes_lost, 0);
  EXPECT_GT(figures.check.writes_acknowledged, 20);
}

}  // namespace
}  // namespace claimd::reliability
