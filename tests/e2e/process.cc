#include "tests/e2e/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace claimd::e2e {
namespace {

ExitStatus FromWaitStatus(int status) {
  ExitStatus exit;
  if (WIFEXITED(status)) {
    exit.exited = true;
    exit.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
  }
  return exit;
}

// Between fork and exec only async-signal-safe calls: everything is prepared
// before.
[[noreturn]] void ExecChild(const char* binary, char* const argv[],
                            const char* stdout_path, const char* stderr_path,
                            pid_t parent) {
  // Die with the test binary, even when it is SIGKILLed by a CTest timeout.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(126);  // the parent died before prctl

  // The test binary (gRPC) may block or ignore signals; the child starts clean.
  sigset_t none;
  sigemptyset(&none);
  // One thread after fork: nothing races the mask.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) {
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    sigaction(signal, &action, nullptr);
  }

  int in = open("/dev/null", O_RDONLY);
  int out = open(stdout_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  int err = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in < 0 || out < 0 || err < 0) _exit(126);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
  // Close every other descriptor: a leaked listening socket or lock file would
  // change what the tests observe (a port that stays bound, a data directory
  // that stays locked after the test binary "released" it).
  for (int fd = 3; fd < 1024; ++fd) close(fd);
  execv(binary, argv);
  _exit(127);
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (exited) return absl::StrCat("exit code ", code);
  // sigdescr_np: strsignal's text, without its static buffer.
  return absl::StrCat("killed by signal ", signal, " (", sigdescr_np(signal),
                      ")");
}

absl::StatusOr<std::unique_ptr<Process>> Process::Start(
    const std::string& binary, const std::vector<std::string>& args,
    const std::string& stdout_path, const std::string& stderr_path) {
  std::vector<std::string> strings;
  strings.push_back(binary);
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(strings.size() + 1);
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(
        absl::StrCat("fork: ", std::generic_category().message(errno)));
  }
  if (pid == 0) {
    ExecChild(binary.c_str(), argv.data(), stdout_path.c_str(),
              stderr_path.c_str(), parent);
  }
  return std::unique_ptr<Process>(new Process(pid, stdout_path, stderr_path));
}

Process::~Process() {
  if (!exit_.has_value()) Kill();
}

bool Process::TryReap() {
  if (exit_.has_value()) return true;
  int status = 0;
  pid_t reaped = waitpid(pid_, &status, WNOHANG);
  if (reaped == pid_) {
    exit_ = FromWaitStatus(status);
    return true;
  }
  if (reaped < 0 &&
      errno == ECHILD) {  // reaped elsewhere: report it as unknown
    exit_ = ExitStatus{.exited = false, .code = 0, .signal = 0};
    return true;
  }
  return false;
}

bool Process::Signal(int signal) {
  if (TryReap()) return false;
  return kill(pid_, signal) == 0;
}

std::optional<ExitStatus> Process::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  // Polling keeps this simple and bounded; 2 ms is short next to what tests
  // measure.
  while (!TryReap()) {
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return exit_;
}

bool Process::Running() { return !TryReap(); }

ExitStatus Process::Kill() {
  Signal(SIGKILL);
  // SIGKILL cannot be caught; 10 s only guards against a machine that is very
  // stuck.
  std::optional<ExitStatus> exit = Wait(absl::Seconds(10));
  if (!exit.has_value()) return ExitStatus{};
  return *exit;
}

std::string Process::ReadStdout() const { return ReadFile(stdout_path_); }
std::string Process::ReadStderr() const { return ReadFile(stderr_path_); }

absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return absl::InternalError(
        absl::StrCat("socket: ", std::generic_category().message(errno)));
  sockaddr_in address;
  std::memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    absl::Status status = absl::InternalError(
        absl::StrCat("bind: ", std::generic_category().message(errno)));
    close(fd);
    return status;
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool PortIsFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address;
  std::memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool bound =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return bound;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<int64_t> ProcStatusKib(pid_t pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field) || !absl::ConsumePrefix(&rest, ":"))
      continue;
    rest = absl::StripAsciiWhitespace(
        absl::StripSuffix(absl::StripAsciiWhitespace(rest), "kB"));
    int64_t kib = 0;
    if (absl::SimpleAtoi(rest, &kib)) return kib;
  }
  return absl::NotFoundError(
      absl::StrCat(field, " of process ", pid, " is not readable"));
}

}  // namespace claimd::e2e
