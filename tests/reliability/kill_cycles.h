// The crash-cycle scenario shared by the short CTest version and the soak: the
// real claimd binary under a concurrent write load (creates and
// compare-and-set updates, each request retried with its request_id when the
// outcome is unknown) with watchers attached, killed at random moments
// (SIGKILL, and every `term_every`th cycle SIGTERM), restarted on the same data
// and port each time; at the end the whole history is checked (checker.h).
//
//   KillCycleOptions options{.cycles = 3};
//   KillCycleFigures figures = RunKillCycles(options);
//   EXPECT_TRUE(figures.check.ok()) << figures.Report();
//
// Thread-safety: RunKillCycles is blocking and self-contained.
#ifndef CLAIMD_TESTS_RELIABILITY_KILL_CYCLES_H_
#define CLAIMD_TESTS_RELIABILITY_KILL_CYCLES_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "tests/reliability/checker.h"

namespace claimd::reliability {

struct KillCycleOptions {
  int cycles = 3;  // stop after this many kills ...
  absl::Duration duration = absl::InfiniteDuration();  // ... or this long
  int writers = 3;
  int watchers = 2;  // of every claim
  // Of the shared compare-and-set claims only (filter claim_id:"cas-").
  int filtered_watchers = 1;
  // claimd runs this long (uniformly at random) before each kill.
  absl::Duration min_uptime = absl::Milliseconds(300);
  absl::Duration max_uptime = absl::Milliseconds(1200);
  // Every n-th cycle ends with SIGTERM instead of SIGKILL (0: never).
  int term_every = 4;
  uint32_t seed = 1;
  std::string work_dir;  // data and logs go here (must exist)
  bool verbose = false;  // one line per cycle on stderr
};

struct KillCycleFigures {
  int cycles = 0;
  int sigterm_cycles = 0;
  int64_t writes_attempted = 0;
  // Errors while setting up or restarting (not history violations).
  std::string error;
  CheckResult check;
  // "cycles run 3 (1 SIGTERM), writes acknowledged ..., violations 0".
  std::string Report() const;
};

KillCycleFigures RunKillCycles(const KillCycleOptions& options);

}  // namespace claimd::reliability

#endif  // CLAIMD_TESTS_RELIABILITY_KILL_CYCLES_H_
