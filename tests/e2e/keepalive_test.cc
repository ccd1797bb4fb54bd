// Connections to peers that stopped answering without closing them (a hung
// process, a host that vanished): claimd's keepalive gives a hung watcher's slot
// back, and claimctl's pings, answered by claimd, do not get a quiet watch
// disconnected. (claimctl leaving a hung claimd for another replica is in
// tests/etcd/replicated_claimd_test.cc.)
#include <signal.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

// `claimctl watch` against `claimd`, with `keepalive` as --keepalive.
absl::StatusOr<std::unique_ptr<Process>> StartWatch(
    const testing::TempDir& dir, ClaimdHarness& claimd,
    const std::string& keepalive) {
  return Process::Start(ClaimctlBinary(),
                        {absl::StrCat("--server=", claimd.address()),
                         absl::StrCat("--keepalive=", keepalive), "watch"},
                        dir.File("watch.out"), dir.File("watch.err"));
}

TEST(ClaimdKeepalive, AWatcherWhoseClientHangsGivesItsSlotBack) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path(),
                       {"--metrics_listen=127.0.0.1:0", "--keepalive_time=1s",
                        "--keepalive_timeout=1s"});
  ASSERT_OK(claimd.Start());
  const int port = MetricsPort(claimd.Stderr());
  ASSERT_NE(port, 0) << claimd.Stderr();
  // The client does not ping: only claimd's keepalive can notice it.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> watch,
                       StartWatch(dir, claimd, "0"));
  // Scrapes until claimd counts `n` open watchers, for up to 20 s.
  const auto watchers_become = [port](double n) {
    return ScrapeUntil(
        port,
        [n](const Scrape& s) { return s.Value("claimd_watchers_active") == n; },
        absl::Seconds(20));
  };
  ASSERT_OK_AND_ASSIGN(Scrape open, watchers_become(1));
  ASSERT_EQ(open.Value("claimd_watchers_active"), 1)
      << ReadFile(dir.File("watch.err"));

  ASSERT_TRUE(watch->Signal(SIGSTOP));
  const absl::Time stopped = absl::Now();
  ASSERT_OK_AND_ASSIGN(Scrape freed, watchers_become(0));
  EXPECT_EQ(freed.Value("claimd_watchers_active"), 0);
  std::cerr << "claimd dropped the hung watcher after " << absl::Now() - stopped
            << std::endl;

  // Resumed, the client finds its connection closed and watches again.
  ASSERT_TRUE(watch->Signal(SIGCONT));
  ASSERT_OK_AND_ASSIGN(Scrape again, watchers_become(1));
  EXPECT_EQ(again.Value("claimd_watchers_active"), 1)
      << ReadFile(dir.File("watch.err"));
  EXPECT_TRUE(watch->Signal(SIGINT));
  std::optional<ExitStatus> exit = watch->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

// No event and no progress message for the whole test: only the client's
// pings cross the connection, and claimd must accept them (no GOAWAY
// too_many_pings), however long the watch stays quiet.
TEST(ClaimdKeepalive, AQuietWatchThatPingsIsNotDisconnected) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path(),
                       {"--min_client_ping_interval=500ms",
                        "--progress_interval=1h", "--keepalive_time=0"});
  ASSERT_OK(claimd.Start());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> watch,
                       StartWatch(dir, claimd, "1s"));
  // Eight of the client's ping intervals.
  absl::SleepFor(absl::Seconds(8));
  ASSERT_TRUE(watch->Running()) << ReadFile(dir.File("watch.err"));
  EXPECT_EQ(ReadFile(dir.File("watch.err")), "");
  EXPECT_TRUE(watch->Signal(SIGINT));
  std::optional<ExitStatus> exit = watch->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

// The default after `flag` in a --help text: claimctl prints
// "--keepalive TEXT:DURATION=20s", claimd "--min_client_ping_interval (...);
// default: 10s;". InfiniteDuration when it cannot be read.
absl::Duration DefaultIn(const std::string& help, const std::string& flag,
                         const std::string& before, char after) {
  size_t at = help.find(flag);
  if (at == std::string::npos) return absl::InfiniteDuration();
  at = help.find(before, at);
  if (at == std::string::npos) return absl::InfiniteDuration();
  at += before.size();
  const size_t end = help.find_first_of(std::string(1, after) + " \n", at);
  absl::Duration value;
  if (!absl::ParseDuration(help.substr(at, end - at), &value))
    return absl::InfiniteDuration();
  return value;
}

// What README promises together: claimctl's default pings are ones claimd
// accepts by default. The test above runs the same ratio (a ping every second
// against a 500 ms bound) for real; this reads the two binaries' own defaults.
TEST(ClaimdKeepalive, ClaimctlsDefaultPingsAreOnesClaimdAcceptsByDefault) {
  testing::TempDir dir;
  CommandResult claimctl = RunCommand(ClaimctlBinary(), {"--help"}, dir.path());
  CommandResult claimd = RunCommand(ClaimdBinary(), {"--help"}, dir.path());
  const absl::Duration pings =
      DefaultIn(claimctl.out + claimctl.err, "--keepalive", "DURATION=", ' ');
  const absl::Duration bound = DefaultIn(
      claimd.out + claimd.err, "--min_client_ping_interval", "default: ", ';');
  ASSERT_NE(pings, absl::InfiniteDuration()) << claimctl.Describe();
  ASSERT_NE(bound, absl::InfiniteDuration()) << claimd.Describe();
  // The figures README and docs/DESIGN.md give.
  EXPECT_EQ(pings, absl::Seconds(20));
  EXPECT_EQ(bound, absl::Seconds(10));
  EXPECT_GE(pings, 2 * bound);
}

}  // namespace
}  // namespace claimd::e2e
