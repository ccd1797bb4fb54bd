#include "tests/e2e/tmux_session.h"

#include <atomic>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/e2e/claimd_harness.h"

namespace claimd::e2e {
namespace {

constexpr char kTmux[] = "/usr/bin/tmux";
constexpr char kSession[] = "e2e";

}  // namespace

absl::StatusOr<std::unique_ptr<TmuxSession>> TmuxSession::Start(
    const std::string& dir, int cols, int rows,
    const std::string& shell_command) {
  static std::atomic<int> counter{0};
  std::unique_ptr<TmuxSession> session(
      new TmuxSession(dir, absl::StrCat(dir, "/tmux-", counter++, ".sock")));
  absl::Status started = session->Tmux({"new-session", "-d", "-s", kSession,
                                        "-x", absl::StrCat(cols), "-y",
                                        absl::StrCat(rows), shell_command});
  if (!started.ok()) return started;
  return session;
}

TmuxSession::~TmuxSession() { Tmux({"kill-server"}).IgnoreError(); }

absl::Status TmuxSession::Tmux(const std::vector<std::string>& args,
                               std::string* out) const {
  std::vector<std::string> full = {"-S", socket_, "-f", "/dev/null"};
  full.insert(full.end(), args.begin(), args.end());
  CommandResult result = RunCommand(kTmux, full, dir_, absl::Seconds(10));
  if (out != nullptr) *out = result.out;
  if (!result.exit.Success()) {
    return absl::InternalError(absl::StrCat("tmux ", absl::StrJoin(args, " "),
                                            ": ", result.Describe()));
  }
  return absl::OkStatus();
}

std::string TmuxSession::Capture() const {
  std::string screen;
  if (!Tmux({"capture-pane", "-p", "-t", kSession}, &screen).ok()) return "";
  return screen;
}

absl::StatusOr<std::string> TmuxSession::WaitForScreen(
    const std::function<bool(const std::string&)>& done,
    absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  std::string screen;
  while (true) {
    screen = Capture();
    if (done(screen)) return screen;
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the screen did not show what was expected within ",
                   absl::FormatDuration(timeout), "; last screen:\n", screen));
}

absl::Status TmuxSession::SendKeys(const std::vector<std::string>& keys,
                                   bool literal) const {
  std::vector<std::string> args = {"send-keys", "-t", kSession};
  if (literal) args.push_back("-l");
  args.insert(args.end(), keys.begin(), keys.end());
  return Tmux(args);
}

absl::Status TmuxSession::Resize(int cols, int rows) const {
  return Tmux({"resize-window", "-t", kSession, "-x", absl::StrCat(cols), "-y",
               absl::StrCat(rows)});
}

bool TmuxSession::Alive() const {
  return Tmux({"has-session", "-t", kSession}).ok();
}

std::vector<std::string> LinesWith(const std::string& screen,
                                   const std::string& text) {
  std::vector<std::string> found;
  for (absl::string_view line : absl::StrSplit(screen, '\n')) {
    if (absl::StrContains(line, text)) found.emplace_back(line);
  }
  return found;
}

}  // namespace claimd::e2e
