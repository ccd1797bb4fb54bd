// scripts/run-cluster.sh the way a user runs it: start it, wait for its
// instructions, write through replica A with claimctl, read it through replica
// B, then Ctrl-C (SIGINT) stops everything.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/process.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

// Runs claimctl with `args`; its stdout when it succeeds.
std::string Claimctl(const TempDir& dir, const std::vector<std::string>& args,
                     bool* ok) {
  static int runs = 0;
  const int run = runs++;
  auto process = e2e::Process::Start(
      e2e::ClaimctlBinary(), args, dir.File(absl::StrCat("ctl", run, ".out")),
      dir.File(absl::StrCat("ctl", run, ".err")));
  *ok = false;
  if (!process.ok()) return "";
  std::optional<e2e::ExitStatus> exit = (*process)->Wait(absl::Seconds(20));
  *ok = exit.has_value() && exit->Success();
  return (*process)->ReadStdout() + (*process)->ReadStderr();
}

// A PORT_BASE for run-cluster.sh whose every port (base+1..3, +11..13,
// +21..22, +31..32) is free now, chosen below Linux's ephemeral range so that
// other tests' outgoing connections do not take them meanwhile.
absl::StatusOr<int> PickPortBase() {
  static constexpr int kOffsets[] = {1, 2, 3, 11, 12, 13, 21, 22, 31, 32};
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base =
        20000 +
        static_cast<int>(absl::Uniform(absl::BitGen(), 0, 12000 / 40)) * 40;
    bool all_free = true;
    for (int offset : kOffsets) {
      if (!e2e::PortIsFree(base + offset)) {
        all_free = false;
        break;
      }
    }
    if (all_free) return base;
  }
  return absl::UnavailableError("no free port range for run-cluster.sh");
}

TEST(RunClusterScript, StartsWritesThroughOneReadsThroughTheOtherAndStops) {
  TempDir dir;
  absl::StatusOr<int> port = PickPortBase();
  ASSERT_TRUE(port.ok()) << port.status();
  const int base = *port;
  auto script = e2e::Process::Start(
      "/usr/bin/env",
      {"CLAIMD_SKIP_BUILD=1", absl::StrCat("BUILD_DIR=", CLAIMD_BUILD_DIR),
       absl::StrCat("CLUSTER_DIR=", dir.File("cluster")),
       absl::StrCat("PORT_BASE=", base), "bash",
       absl::StrCat(CLAIMD_SOURCE_DIR, "/scripts/run-cluster.sh")},
      dir.File("script.out"), dir.File("script.err"));
  ASSERT_TRUE(script.ok());
  bool ready = false;
  // The script bounds each of its waits (etcd, each replica) at 30 s.
  const absl::Time give_up = absl::Now() + absl::Seconds(150);
  while (!ready && (*script)->Running() && absl::Now() < give_up) {
    ready = absl::StrContains((*script)->ReadStdout(),
                              "Replicated claimd is running");
    if (!ready) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(ready) << (*script)->ReadStdout() << (*script)->ReadStderr();
  const std::string a = absl::StrCat("127.0.0.1:", base + 21);
  const std::string b = absl::StrCat("127.0.0.1:", base + 22);
  EXPECT_TRUE(absl::StrContains((*script)->ReadStdout(), a));

  bool ok = false;
  std::string out = Claimctl(dir,
                             {"--server", a, "create", "Replicated claim",
                              "--id", "replicated-1", "--source", "wire"},
                             &ok);
  ASSERT_TRUE(ok) << out;
  out = Claimctl(dir, {"--server", b, "get", "replicated-1"}, &ok);
  ASSERT_TRUE(ok) << out;
  EXPECT_TRUE(absl::StrContains(out, "Replicated claim")) << out;
  // As README shows it: `claimctl watch` through B sees the write through A.
  {
    auto watch = e2e::Process::Start(
        e2e::ClaimctlBinary(), {"--server", b, "watch", "--from-revision", "1"},
        dir.File("watch.out"), dir.File("watch.err"));
    ASSERT_TRUE(watch.ok());
    bool seen = false;
    for (int i = 0; i < 200 && !seen && (*watch)->Running(); ++i) {
      seen = absl::StrContains((*watch)->ReadStdout(), "replicated-1");
      if (!seen) absl::SleepFor(absl::Milliseconds(100));
    }
    EXPECT_TRUE(seen) << "watch through B: " << (*watch)->ReadStdout()
                      << (*watch)->ReadStderr();
  }
  // The sample claims were loaded through A and are served by B.
  out = Claimctl(dir, {"--server", b, "list", "-o", "json"}, &ok);
  ASSERT_TRUE(ok) << out;
  EXPECT_TRUE(absl::StrContains(out, "replicated-1"));
  EXPECT_TRUE(absl::StrContains(out, "claims/no-call-since-2022"))
      << "a sample claim is missing: " << out;

  ASSERT_TRUE((*script)->Signal(SIGINT));
  std::optional<e2e::ExitStatus> exit = (*script)->Wait(absl::Seconds(60));
  ASSERT_TRUE(exit.has_value()) << "run-cluster.sh did not stop on Ctrl-C";
  EXPECT_TRUE(exit->Success()) << exit->ToString();
  // Everything it started is gone: neither replica answers.
  Claimctl(dir, {"--server", a, "--timeout", "2s", "list"}, &ok);
  EXPECT_FALSE(ok);
  Claimctl(dir, {"--server", b, "--timeout", "2s", "list"}, &ok);
  EXPECT_FALSE(ok);
}

// A step that fails (here: no claimd binary where BUILD_DIR says) ends the
// script with a failure and says why, not with the 0 of a user's Ctrl-C.
TEST(RunClusterScript, AFailedStepExitsNonZero) {
  TempDir dir;
  absl::StatusOr<int> port = e2e::PickFreePort();
  ASSERT_TRUE(port.ok());
  auto script = e2e::Process::Start(
      "/usr/bin/env",
      {"CLAIMD_SKIP_BUILD=1", absl::StrCat("BUILD_DIR=", dir.File("nowhere")),
       absl::StrCat("CLUSTER_DIR=", dir.File("cluster")),
       absl::StrCat("PORT_BASE=", *port), "bash",
       absl::StrCat(CLAIMD_SOURCE_DIR, "/scripts/run-cluster.sh")},
      dir.File("script.out"), dir.File("script.err"));
  ASSERT_TRUE(script.ok());
  std::optional<e2e::ExitStatus> exit = (*script)->Wait(absl::Seconds(120));
  ASSERT_TRUE(exit.has_value()) << "run-cluster.sh kept running";
  EXPECT_TRUE(exit->exited) << exit->ToString();
  EXPECT_NE(exit->code, 0) << (*script)->ReadStdout();
  EXPECT_TRUE(absl::StrContains((*script)->ReadStderr(), "is missing"))
      << (*script)->ReadStderr();
}

}  // namespace
}  // namespace claimd::testing
