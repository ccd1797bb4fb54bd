// scripts/run-cluster.sh the way a user runs it: start it, wait for its
// instructions, write through replica A with claimctl, read and watch it
// through replica B, kill -9 a replica and an etcd member and start them again
// with the command the script printed, then Ctrl-C (SIGINT) stops everything.
#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/metrics_scrape.h"
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

// run-cluster.sh started by a test, its cluster in `dir`, on ports from `base`.
struct RunningCluster {
  TempDir dir;
  int base = 0;
  std::unique_ptr<e2e::Process> script;
  std::string a;  // replica A's address
  std::string b;
};

// Starts run-cluster.sh on free ports and waits until it says the cluster
// runs; null (with the test failed) when it does not.
std::unique_ptr<RunningCluster> StartCluster() {
  auto cluster = std::make_unique<RunningCluster>();
  absl::StatusOr<int> port = PickPortBase();
  EXPECT_TRUE(port.ok()) << port.status();
  if (!port.ok()) return nullptr;
  cluster->base = *port;
  cluster->a = absl::StrCat("127.0.0.1:", cluster->base + 21);
  cluster->b = absl::StrCat("127.0.0.1:", cluster->base + 22);
  const TempDir& dir = cluster->dir;
  auto script = e2e::Process::Start(
      "/usr/bin/env",
      {"CLAIMD_SKIP_BUILD=1", absl::StrCat("BUILD_DIR=", CLAIMD_BUILD_DIR),
       absl::StrCat("CLUSTER_DIR=", dir.File("cluster")),
       absl::StrCat("PORT_BASE=", cluster->base), "bash",
       absl::StrCat(CLAIMD_SOURCE_DIR, "/scripts/run-cluster.sh")},
      dir.File("script.out"), dir.File("script.err"));
  EXPECT_TRUE(script.ok()) << script.status();
  if (!script.ok()) return nullptr;
  cluster->script = *std::move(script);
  e2e::Process& process = *cluster->script;
  bool ready = false;
  // The script bounds each of its waits (etcd, each replica) at 30 s.
  const absl::Time give_up = absl::Now() + absl::Seconds(150);
  while (!ready && process.Running() && absl::Now() < give_up) {
    ready =
        absl::StrContains(process.ReadStdout(), "Replicated claimd is running");
    if (!ready) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(ready) << process.ReadStdout() << process.ReadStderr();
  if (!ready) return nullptr;
  return cluster;
}

// Sends the script Ctrl-C's SIGINT and waits for it to stop everything.
void StopScript(e2e::Process& script) {
  ASSERT_TRUE(script.Signal(SIGINT));
  std::optional<e2e::ExitStatus> exit = script.Wait(absl::Seconds(60));
  ASSERT_TRUE(exit.has_value()) << "run-cluster.sh did not stop on Ctrl-C";
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

TEST(RunClusterScript, StartsWritesThroughOneReadsThroughTheOtherAndStops) {
  std::unique_ptr<RunningCluster> cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  const TempDir& dir = cluster->dir;
  e2e::Process* script = cluster->script.get();
  const std::string& a = cluster->a;
  const std::string& b = cluster->b;
  EXPECT_TRUE(absl::StrContains(script->ReadStdout(), a));

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

  StopScript(*script);
  // Everything it started is gone: neither replica answers.
  Claimctl(dir, {"--server", a, "--timeout", "2s", "list"}, &ok);
  EXPECT_FALSE(ok);
  Claimctl(dir, {"--server", b, "--timeout", "2s", "list"}, &ok);
  EXPECT_FALSE(ok);
}

// The pid in the cluster's pid file for `name` (A, B, etcd-1..3); 0 if none.
pid_t PidOf(const TempDir& dir, const std::string& name) {
  int pid = 0;
  const std::string text =
      e2e::ReadFile(dir.File(absl::StrCat("cluster/", name, ".pid")));
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &pid) ? pid : 0;
}

// Whether process `pid` runs: it exists and is not a zombie (an orphan stays
// one until its new parent reaps it, and a container's init may not).
bool Runs(pid_t pid) {
  const std::string stat = e2e::ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t name_end = stat.rfind(") ");
  return name_end != std::string::npos && name_end + 2 < stat.size() &&
         stat[name_end + 2] != 'Z';
}

// The revisions of the changes a text-output watch printed ("rev N  ..."), in
// the order it printed them.
std::vector<int64_t> PrintedRevisions(const std::string& watch_output) {
  std::vector<int64_t> revisions;
  for (absl::string_view line : absl::StrSplit(watch_output, '\n')) {
    if (!absl::ConsumePrefix(&line, "rev ")) continue;
    int64_t revision = 0;
    if (absl::SimpleAtoi(line.substr(0, line.find(' ')), &revision)) {
      revisions.push_back(revision);
    }
  }
  return revisions;
}

// The revision claimctl printed for a write ("... (revision N)"); 0 if none.
int64_t WrittenRevision(const std::string& output) {
  const size_t at = output.rfind("(revision ");
  int64_t revision = 0;
  if (at == std::string::npos) return 0;
  const std::string digits =
      output.substr(at + 10, output.find(')', at) - at - 10);
  return absl::SimpleAtoi(digits, &revision) ? revision : 0;
}

// What the user does: write through one replica, watch through the
// other (given both, as the script suggests), kill -9 the replica the watch is
// on (found by its claimd_watchers_active) and an etcd member, keep writing,
// start both again with the command the script printed, and stop everything
// with Ctrl-C. The watch prints every write exactly once, in order, and
// nothing the script or its `start` ran is left.
TEST(RunClusterScript, KilledMembersLoseNothingStartAgainAndStopWithTheRest) {
  std::unique_ptr<RunningCluster> cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  const TempDir& dir = cluster->dir;
  e2e::Process* script = cluster->script.get();
  const std::string& a = cluster->a;
  const std::string& b = cluster->b;
  // The line after "start it again with": "  [CLUSTER_DIR=...] .../run-cluster.sh
  // start A      (or B, ...)". A user copies it and names another member.
  std::string start_command;
  for (absl::string_view line : absl::StrSplit(script->ReadStdout(), '\n')) {
    const size_t at = line.find("run-cluster.sh start A ");
    if (at != absl::string_view::npos) {
      start_command = std::string(absl::StripAsciiWhitespace(
          line.substr(0, at + std::string("run-cluster.sh start").size())));
    }
  }
  ASSERT_FALSE(start_command.empty()) << script->ReadStdout();
  const auto start_again = [&](const std::string& name) {
    auto start = e2e::Process::Start(
        "/bin/sh", {"-c", absl::StrCat(start_command, " ", name)},
        dir.File(absl::StrCat("start-", name, ".out")),
        dir.File(absl::StrCat("start-", name, ".err")));
    ASSERT_TRUE(start.ok());
    std::optional<e2e::ExitStatus> exit = (*start)->Wait(absl::Seconds(30));
    ASSERT_TRUE(exit.has_value() && exit->Success())
        << start_command << " " << name << ": " << (*start)->ReadStdout()
        << (*start)->ReadStderr();
    EXPECT_TRUE(absl::StrContains((*start)->ReadStdout(), "started " + name))
        << (*start)->ReadStdout();
  };

  bool ok = false;
  std::string out = Claimctl(dir,
                             {"--server", a, "create", "Survives kills", "--id",
                              "kills-1", "--source", "wire"},
                             &ok);
  ASSERT_TRUE(ok) << out;
  const int64_t first = WrittenRevision(out);
  ASSERT_GT(first, 0) << out;
  auto watch =
      e2e::Process::Start(e2e::ClaimctlBinary(),
                          {"--server", absl::StrCat(b, ",", a), "watch",
                           "--from-revision", absl::StrCat(first)},
                          dir.File("watch.out"), dir.File("watch.err"));
  ASSERT_TRUE(watch.ok());

  int64_t last = first;
  const auto write = [&](const std::string& servers,
                         const std::string& source) {
    const std::string answer = Claimctl(
        dir, {"--server", servers, "report", "kills-1", "--source", source},
        &ok);
    ASSERT_TRUE(ok) << source << ": " << answer;
    last = WrittenRevision(answer);
    ASSERT_GT(last, 0) << answer;
  };
  const std::string both = absl::StrCat(a, ",", b);
  ASSERT_NO_FATAL_FAILURE(write(a, "before any kill"));
  // The replica the watch is on (round_robin may have put it on either),
  // once the watch has printed the write above: the one the script gave
  // --metrics_listen PORT_BASE+31 (A) or +32 (B) that counts one watcher.
  for (int i = 0; i < 300; ++i) {
    const std::vector<int64_t> seen = PrintedRevisions((*watch)->ReadStdout());
    if (!seen.empty() && seen.back() >= last) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::string watched;
  for (const auto& [name, offset] :
       {std::pair<std::string, int>{"A", 31}, {"B", 32}}) {
    absl::StatusOr<e2e::Scrape> scrape =
        e2e::ScrapeMetrics(cluster->base + offset);
    ASSERT_TRUE(scrape.ok()) << scrape.status();
    if (scrape->Value("claimd_watchers_active") == 1) watched = name;
  }
  ASSERT_FALSE(watched.empty()) << "neither replica holds the watch";
  const std::string watched_address = watched == "A" ? a : b;
  const pid_t killed_replica = PidOf(dir, watched);
  ASSERT_GT(killed_replica, 0);
  ASSERT_EQ(kill(killed_replica, SIGKILL), 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_NO_FATAL_FAILURE(write(both, absl::StrCat(watched, " killed ", i)));
  }
  const pid_t member_1 = PidOf(dir, "etcd-1");
  ASSERT_GT(member_1, 0);
  ASSERT_EQ(kill(member_1, SIGKILL), 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_NO_FATAL_FAILURE(write(both, absl::StrCat("etcd-1 killed ", i)));
  }
  ASSERT_NO_FATAL_FAILURE(start_again(watched));
  ASSERT_NO_FATAL_FAILURE(start_again("etcd-1"));
  EXPECT_NE(PidOf(dir, watched), killed_replica);
  // It serves again: a write through it alone, and a read of every write.
  bool serves = false;
  for (int i = 0; i < 100 && !serves; ++i) {
    Claimctl(dir, {"--server", watched_address, "--timeout", "2s", "health"},
             &serves);
    if (!serves) absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(serves) << e2e::ReadFile(
      dir.File(absl::StrCat("cluster/", watched, ".log")));
  ASSERT_NO_FATAL_FAILURE(write(watched_address, "started again"));
  out = Claimctl(dir, {"--server", watched_address, "get", "kills-1"}, &ok);
  ASSERT_TRUE(ok) << out;
  EXPECT_TRUE(absl::StrContains(out, "started again")) << out;

  // The watch printed first..last, each once and in order, across the death
  // of its replica.
  std::vector<int64_t> printed;
  for (int i = 0; i < 300; ++i) {
    printed = PrintedRevisions((*watch)->ReadStdout());
    if (!printed.empty() && printed.back() >= last) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::vector<int64_t> expected;
  for (int64_t revision = first; revision <= last; ++revision) {
    expected.push_back(revision);
  }
  EXPECT_EQ(printed, expected)
      << (*watch)->ReadStdout() << (*watch)->ReadStderr();
  EXPECT_THAT((*watch)->ReadStderr(), ::testing::HasSubstr("connection lost"))
      << "the watch's replica was killed under it";
  (*watch)->Kill();

  // Ctrl-C stops the members `start` ran too, though the script is not their
  // parent.
  const pid_t restarted_replica = PidOf(dir, watched);
  const pid_t restarted_member = PidOf(dir, "etcd-1");
  StopScript(*script);
  EXPECT_FALSE(Runs(restarted_replica)) << watched << " started again runs";
  EXPECT_FALSE(Runs(restarted_member)) << "etcd-1 started again still runs";
  Claimctl(dir, {"--server", watched_address, "--timeout", "2s", "list"}, &ok);
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
