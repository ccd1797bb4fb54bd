// A detached tmux session for end-to-end tests of full-screen programs
// (`claimctl top`): start a command in a pane of a given size, send keys,
// read the screen with capture-pane, resize, and wait (bounded) until the
// screen shows something.
//
//   absl::StatusOr<std::unique_ptr<TmuxSession>> tmux =
//       TmuxSession::Start(dir.path(), 100, 30, "exec claimctl top");
//   absl::StatusOr<std::string> screen = (*tmux)->WaitForScreen(
//       [](const std::string& s) { return absl::StrContains(s, "LIVE"); });
//   (*tmux)->SendKeys({"q"});
//
// Each session has its own tmux server (a socket in the given directory, no
// configuration file); the destructor kills that server. Commands should be
// wrapped in `timeout` so nothing outlives a crashed test.
//
// Thread-safety: one thread.
#ifndef CLAIMD_TESTS_E2E_TMUX_SESSION_H_
#define CLAIMD_TESTS_E2E_TMUX_SESSION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace claimd::e2e {

class TmuxSession {
 public:
  // Starts `shell_command` (run by /bin/sh) in a detached cols x rows pane.
  static absl::StatusOr<std::unique_ptr<TmuxSession>> Start(
      const std::string& dir, int cols, int rows,
      const std::string& shell_command);
  ~TmuxSession();

  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  // The visible screen, one line per row; "" when the session is gone.
  std::string Capture() const;

  // Polls the screen (every 100 ms) until `done` holds; returns that screen.
  // DEADLINE_EXCEEDED with the last screen in the message otherwise.
  absl::StatusOr<std::string> WaitForScreen(
      const std::function<bool(const std::string&)>& done,
      absl::Duration timeout = absl::Seconds(15)) const;

  // tmux send-keys: key names ("Enter", "Down", "q"), or with `literal` the
  // text typed as is.
  absl::Status SendKeys(const std::vector<std::string>& keys,
                        bool literal = false) const;
  absl::Status Resize(int cols, int rows) const;

  // Whether the command still runs (the session ends when it exits).
  bool Alive() const;

 private:
  TmuxSession(std::string dir, std::string socket)
      : dir_(std::move(dir)), socket_(std::move(socket)) {}

  // tmux -S socket args...; OK when it exits 0.
  absl::Status Tmux(const std::vector<std::string>& args,
                    std::string* out = nullptr) const;

  const std::string dir_;
  const std::string socket_;
};

// The lines of `screen` that contain `text`.
std::vector<std::string> LinesWith(const std::string& screen,
                                   const std::string& text);

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_TMUX_SESSION_H_
