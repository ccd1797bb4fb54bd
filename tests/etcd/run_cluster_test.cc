// scripts/run-cluster.sh the way a user runs it: start it, wait for its
// instructions, write through replica A with claimctl, read it through replica
// B, then Ctrl-C (SIGINT) stops everything.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

TEST(RunClusterScript, StartsWritesThroughOneReadsThroughTheOtherAndStops) {
  TempDir dir;
  absl::StatusOr<int> port = e2e::PickFreePort();
  ASSERT_TRUE(port.ok());
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
  for (int i = 0; i < 1500 && !ready && (*script)->Running(); ++i) {
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
  // The sample claims were loaded through A and are served by B.
  out = Claimctl(dir, {"--server", b, "list", "-o", "json"}, &ok);
  ASSERT_TRUE(ok) << out;
  EXPECT_TRUE(absl::StrContains(out, "replicated-1"));

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

}  // namespace
}  // namespace claimd::testing
