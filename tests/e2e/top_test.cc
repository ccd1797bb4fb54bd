// `claimctl top` under tmux against a real claimd: what is on the screen
// before and after a change made from outside, across a claimd restart on the
// same port (no row lost, none doubled), with the keys (sort, history,
// filter, quit), at 80x24 and after a resize, and its fallback to lines
// without a terminal.
#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimctl_fixture.h"
#include "tests/e2e/tmux_session.h"

namespace claimd::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class ClaimctlTopTest : public ClaimctlTest {
 protected:
  // claimctl top in a cols x rows tmux pane; its stderr goes to top.err.
  std::unique_ptr<TmuxSession> StartTop(int cols, int rows,
                                        const std::string& env = "",
                                        const std::string& args = "") {
    const std::string command = absl::StrCat(
        "exec ", env, " timeout 120 ", ClaimctlBinary(), " --server ",
        claimd_.address(), " top ", args, " 2>>", dir_.File("top.err"));
    absl::StatusOr<std::unique_ptr<TmuxSession>> tmux =
        TmuxSession::Start(dir_.path(), cols, rows, command);
    EXPECT_OK(tmux);
    return tmux.ok() ? *std::move(tmux) : nullptr;
  }

  std::string TopStderr() { return ReadFile(dir_.File("top.err")); }

  // Waits until the screen satisfies `done`; fails the test (with the screen
  // and claimctl's stderr) otherwise.
  std::string Await(const TmuxSession& tmux,
                    const std::function<bool(const std::string&)>& done) {
    absl::StatusOr<std::string> screen =
        tmux.WaitForScreen(done, absl::Seconds(20));
    EXPECT_OK(screen) << "stderr of claimctl top:\n" << TopStderr();
    return screen.ok() ? *screen : tmux.Capture();
  }
};

// Whether the session ended (its command exited) within `timeout`.
bool GoneWithin(const TmuxSession& tmux, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (tmux.Alive() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  return !tmux.Alive();
}

// The single line of `screen` showing claim `id`, with `status`.
bool RowShows(const std::string& screen, const std::string& id,
              const std::string& status) {
  const std::vector<std::string> rows = LinesWith(screen, id + " ");
  return rows.size() == 1 && absl::StrContains(rows[0], status);
}

TEST_F(ClaimctlTopTest, ShowsOutsideChangesLiveAndAcrossARestart) {
  CtlOk({"create", "The bridge was closed all year", "--id", "top-alpha"});
  CtlOk({"create", "Exports doubled", "--id", "top-beta"});
  std::unique_ptr<TmuxSession> tmux = StartTop(100, 30);
  ASSERT_NE(tmux, nullptr);

  std::string screen = Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "LIVE at revision 2") &&
           RowShows(s, "top-alpha", "REPORTED") &&
           RowShows(s, "top-beta", "REPORTED");
  });
  EXPECT_THAT(screen, HasSubstr("2 claims  REPORTED 2  CONFIRMED 0  DENIED 0"));
  EXPECT_THAT(screen, HasSubstr(claimd_.address()));

  // A change from another terminal.
  CtlOk({"confirm", "top-alpha", "--source", "Port authority"});
  screen = Await(*tmux, [](const std::string& s) {
    return RowShows(s, "top-alpha", "CONFIRMED") &&
           absl::StrContains(s, "REPORTED 1  CONFIRMED 1");
  });
  EXPECT_THAT(LinesWith(screen, "top-alpha "),
              ::testing::ElementsAre(HasSubstr("Port authority")));

  // The server goes away: top says so and keeps the table.
  std::optional<ExitStatus> stopped = claimd_.Stop(SIGTERM, absl::Seconds(15));
  ASSERT_TRUE(stopped.has_value()) << claimd_.Stderr();
  screen = Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "RECONNECTING from revision 4");
  });
  EXPECT_TRUE(RowShows(screen, "top-alpha", "CONFIRMED")) << screen;

  // Back on the same port; changes made after the restart arrive once.
  ASSERT_OK(claimd_.Start(claimd_.port()));
  CtlOk({"deny", "top-alpha", "--source", "City hall"});
  CtlOk({"create", "A new ferry line opened", "--id", "top-gamma"});
  screen = Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "LIVE at revision 5") &&
           RowShows(s, "top-alpha", "DENIED") &&
           RowShows(s, "top-gamma", "REPORTED");
  });
  EXPECT_THAT(LinesWith(screen, "top-alpha "), SizeIs(1)) << screen;
  EXPECT_THAT(LinesWith(screen, "top-beta "), SizeIs(1)) << screen;
  EXPECT_THAT(LinesWith(screen, "top-gamma "), SizeIs(1)) << screen;
  EXPECT_THAT(screen, HasSubstr("3 claims  REPORTED 2  CONFIRMED 0  DENIED 1"));

  // s: sort by id; the first row (top-alpha) is selected; Enter: history.
  ASSERT_OK(tmux->SendKeys({"s"}));
  Await(*tmux,
        [](const std::string& s) { return absl::StrContains(s, "sort: id"); });
  ASSERT_OK(tmux->SendKeys({"Enter"}));
  screen = Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "history of claims/top-alpha") &&
           absl::StrContains(s, "CONFIRMED -> DENIED");
  });
  EXPECT_THAT(screen, HasSubstr("REPORTED -> CONFIRMED"));
  EXPECT_THAT(screen, HasSubstr("CREATED"));
  ASSERT_OK(tmux->SendKeys({"Escape"}));
  Await(*tmux,
        [](const std::string& s) { return absl::StrContains(s, "sort: id"); });

  // /: a new filter restarts the stream with only the matching claims.
  ASSERT_OK(tmux->SendKeys({"/"}));
  Await(*tmux,
        [](const std::string& s) { return absl::StrContains(s, "filter: _"); });
  ASSERT_OK(tmux->SendKeys({"status = REPORTED"}, /*literal=*/true));
  ASSERT_OK(tmux->SendKeys({"Enter"}));
  screen = Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "filter: status = REPORTED") &&
           absl::StrContains(s, "LIVE at revision") &&
           absl::StrContains(s, "2 claims");
  });
  EXPECT_THAT(LinesWith(screen, "top-alpha "), SizeIs(0)) << screen;
  EXPECT_TRUE(RowShows(screen, "top-beta", "REPORTED")) << screen;

  // A claim that a change takes out of the filter leaves the table with it.
  CtlOk({"confirm", "top-gamma", "--source", "Ferry operator"});
  screen = Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "LIVE at revision 6") &&
           LinesWith(s, "top-gamma ").empty();
  });
  EXPECT_THAT(LinesWith(screen, "top-gamma "), SizeIs(0)) << screen;
  EXPECT_TRUE(RowShows(screen, "top-beta", "REPORTED")) << screen;

  ASSERT_OK(tmux->SendKeys({"q"}));
  EXPECT_TRUE(GoneWithin(*tmux, absl::Seconds(10)))
      << "q did not quit; stderr:\n"
      << TopStderr();
}

// The key line is the screen's last row and no line is wider than the pane.
bool FitsScreen(const std::string& screen, size_t cols, size_t rows) {
  const std::vector<std::string> lines = absl::StrSplit(screen, '\n');
  if (lines.size() < rows) return false;
  for (const std::string& line : lines) {
    if (line.size() > cols) return false;
  }
  return absl::StrContains(lines[rows - 1], "q quit");
}

TEST_F(ClaimctlTopTest, FitsEightyByTwentyFourAndRedrawsOnResize) {
  const std::string statement =
      "Officials said the new tram line would carry forty thousand "
      "passengers a day from its first week, twice the estimate published "
      "last spring";
  CtlOk({"create", statement, "--id", "top-long"});
  std::unique_ptr<TmuxSession> tmux = StartTop(80, 24);
  ASSERT_NE(tmux, nullptr);
  std::string screen = Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "LIVE at revision 1") && FitsScreen(s, 80, 24);
  });
  std::vector<std::string> row = LinesWith(screen, "top-long ");
  ASSERT_THAT(row, SizeIs(1)) << screen;
  EXPECT_THAT(row[0], HasSubstr("Officials said"));
  EXPECT_THAT(row[0], HasSubstr("..."));
  EXPECT_THAT(row[0], ::testing::Not(HasSubstr("last spring")));

  ASSERT_OK(tmux->Resize(200, 40));
  screen = Await(*tmux, [](const std::string& s) {
    return FitsScreen(s, 200, 40) && absl::StrContains(s, "last spring");
  });
  EXPECT_THAT(LinesWith(screen, "top-long "), SizeIs(1)) << screen;

  ASSERT_OK(tmux->Resize(80, 24));
  Await(*tmux, [](const std::string& s) {
    return FitsScreen(s, 80, 24) && !absl::StrContains(s, "last spring");
  });
  // Ctrl-C quits as q does.
  ASSERT_OK(tmux->SendKeys({"C-c"}));
  EXPECT_TRUE(GoneWithin(*tmux, absl::Seconds(10)))
      << "Ctrl-C did not quit; stderr:\n"
      << TopStderr();
}

// README's tour once ran `claimctl watch &` in top's terminal: whatever a
// background job prints lands on top's screen, and curses does not know it.
// Ctrl-L repaints every cell, as in other full-screen programs.
TEST_F(ClaimctlTopTest, CtrlLRepaintsAScreenABackgroundJobWroteOver) {
  CtlOk({"create", "The bridge reopened in May", "--id", "bridge"});
  const std::string go = dir_.File("garble-now");
  // The background job waits (bounded) for the test's signal, then writes
  // over row 3 of the pane, as a stray `watch &` would.
  const std::string command =
      absl::StrCat("(for i in $(seq 1 600); do [ -e ", go,
                   " ] && break; sleep 0.1; done; printf "
                   "'\\033[3;1HGARBLED-BY-A-BACKGROUND-JOB') & ",
                   "exec timeout 120 ", ClaimctlBinary(), " --server ",
                   claimd_.address(), " top 2>>", dir_.File("top.err"));
  absl::StatusOr<std::unique_ptr<TmuxSession>> started =
      TmuxSession::Start(dir_.path(), 100, 30, command);
  ASSERT_OK(started);
  TmuxSession& tmux = **started;
  Await(tmux, [](const std::string& s) {
    return absl::StrContains(s, "LIVE at revision 1") &&
           absl::StrContains(s, "bridge ");
  });
  std::ofstream(go).flush();  // the signal: the file exists
  Await(tmux, [](const std::string& s) {
    return absl::StrContains(s, "GARBLED-BY-A-BACKGROUND-JOB");
  });
  ASSERT_OK(tmux.SendKeys({"C-l"}));
  std::string screen = Await(tmux, [](const std::string& s) {
    return !absl::StrContains(s, "GARBLED") &&
           absl::StrContains(s, "LIVE at revision 1");
  });
  EXPECT_THAT(LinesWith(screen, "bridge "), SizeIs(1)) << screen;
  ASSERT_OK(tmux.SendKeys({"q"}));
  EXPECT_TRUE(GoneWithin(tmux, absl::Seconds(10)));
}

TEST_F(ClaimctlTopTest, ABadFilterShowsFailedAndQuitReportsIt) {
  std::unique_ptr<TmuxSession> tmux =
      StartTop(100, 30, "", "--filter 'status = ('");
  ASSERT_NE(tmux, nullptr);
  Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "FAILED (INVALID_ARGUMENT): filter") &&
           absl::StrContains(s, "the watch failed (see above)");
  });
  ASSERT_OK(tmux->SendKeys({"q"}));
  EXPECT_TRUE(GoneWithin(*tmux, absl::Seconds(10)));
  EXPECT_THAT(TopStderr(), HasSubstr("claimctl: top: "));
  EXPECT_THAT(TopStderr(), HasSubstr("(INVALID_ARGUMENT)"));
}

TEST_F(ClaimctlTopTest, DumbTerminalFallsBackToLinesAndSaysWhy) {
  CtlOk({"create", "Exports doubled", "--id", "top-beta"});
  std::unique_ptr<TmuxSession> tmux = StartTop(100, 30, "env TERM=dumb");
  ASSERT_NE(tmux, nullptr);
  Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "SNAPSHOT  claims/top-beta");
  });
  CtlOk({"confirm", "top-beta", "--source", "Customs office"});
  Await(*tmux, [](const std::string& s) {
    return absl::StrContains(s, "REPORTED -> CONFIRMED");
  });
  EXPECT_THAT(TopStderr(), HasSubstr("claimctl top: TERM is dumb"));
}

TEST_F(ClaimctlTopTest, WithoutATerminalPrintsLinesAndStopsOnInterrupt) {
  CtlOk({"create", "Exports doubled", "--id", "top-beta"});
  absl::StatusOr<std::unique_ptr<Process>> top =
      Process::Start(ClaimctlBinary(), {"--server", claimd_.address(), "top"},
                     dir_.File("lines.out"), dir_.File("lines.err"));
  ASSERT_OK(top);
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (!absl::StrContains((*top)->ReadStdout(), "claims/top-beta") &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_THAT((*top)->ReadStdout(), HasSubstr("SNAPSHOT  claims/top-beta"));
  EXPECT_THAT((*top)->ReadStderr(),
              HasSubstr("claimctl top: stdout is not a terminal; printing"));
  ASSERT_TRUE((*top)->Signal(SIGINT));
  std::optional<ExitStatus> exit = (*top)->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

}  // namespace
}  // namespace claimd::e2e
