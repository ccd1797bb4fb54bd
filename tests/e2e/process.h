// Child processes for end-to-end tests: start a real binary with its output in
// files, wait for it with a timeout, signal it, and make sure it never outlives
// the test.
//
//   absl::StatusOr<std::unique_ptr<Process>> claimd = Process::Start(
//       CLAIMD_BIN, {"--listen=127.0.0.1:4000"}, dir.File("out"),
//       dir.File("err"));
//   (*claimd)->Signal(SIGTERM);
//   std::optional<ExitStatus> exit = (*claimd)->Wait(absl::Seconds(5));
//
// A child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the test binary even
// when the binary itself is killed (a CTest timeout); the destructor kills and
// reaps a child that is still running. Start a Process from the thread that
// will outlive it (the test's main thread): the death signal fires when the
// *thread* that forked ends.
//
// Also here: PickFreePort (bind 127.0.0.1:0, read the port, close) and
// ReadFile.
//
// Thread-safety: a Process is used by one thread at a time.
#ifndef CLAIMD_TESTS_E2E_PROCESS_H_
#define CLAIMD_TESTS_E2E_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace claimd::e2e {

// How a child ended.
struct ExitStatus {
  // Ended by exit(): `code` is set; else killed by `signal`.
  bool exited = false;
  int code = 0;
  int signal = 0;

  bool Success() const { return exited && code == 0; }
  // "exit code 3" or "killed by signal 9 (Killed)".
  std::string ToString() const;
};

class Process {
 public:
  // Starts `binary` with `args` (argv[0] is added), stdin from /dev/null,
  // stdout and stderr appended to the given files (created when missing).
  // Errors: INTERNAL when fork fails. A binary that cannot be executed exits
  // with code 127.
  static absl::StatusOr<std::unique_ptr<Process>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::string& stdout_path, const std::string& stderr_path);

  ~Process();  // SIGKILL and reap when still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& stdout_path() const { return stdout_path_; }
  const std::string& stderr_path() const { return stderr_path_; }

  // Sends `signal` unless the child was already reaped. False when it was.
  bool Signal(int signal);

  // Waits up to `timeout` for the child to end and reaps it. nullopt on
  // timeout.
  std::optional<ExitStatus> Wait(absl::Duration timeout);

  // Whether the child is still running (reaps it when it has ended).
  bool Running();

  // SIGKILL, then reap (bounded); returns how it ended.
  ExitStatus Kill();

  // How the child ended, once reaped.
  const std::optional<ExitStatus>& exit_status() const { return exit_; }

  std::string ReadStdout() const;
  std::string ReadStderr() const;

 private:
  Process(pid_t pid, std::string stdout_path, std::string stderr_path)
      : pid_(pid),
        stdout_path_(std::move(stdout_path)),
        stderr_path_(std::move(stderr_path)) {}

  // waitpid(WNOHANG) once; true when the child was reaped now or before.
  bool TryReap();

  const pid_t pid_;
  const std::string stdout_path_;
  const std::string stderr_path_;
  std::optional<ExitStatus> exit_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
// closed). Another process may take it before the caller binds it: callers
// retry.
absl::StatusOr<int> PickFreePort();

// True when 127.0.0.1:`port` can be bound now (a listener could take it).
bool PortIsFree(int port);

// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);

// A memory field of /proc/PID/status ("VmRSS", "VmHWM"), in KiB. Errors:
// NOT_FOUND when the process or the field is gone, so a caller that checks a
// bound cannot mistake an unreadable figure for a small one.
absl::StatusOr<int64_t> ProcStatusKib(pid_t pid, absl::string_view field);

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_PROCESS_H_
