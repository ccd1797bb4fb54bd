// A real claimd for end-to-end tests: started from the built binary on a
// loopback port and a data directory, stopped with any signal, restarted on the
// same port and data directory. Also runs claimctl and collects its output and
// exit code.
//
//   ClaimdHarness claimd(dir.File("data"), dir.path());
//   ASSERT_OK(claimd.Start());                    // picks a free port, waits
//   until it serves auto stub =
//   claims::v1::ClaimService::NewStub(claimd.NewChannel()); claimd.KillNow();
//   // SIGKILL ASSERT_OK(claimd.Start(claimd.port()));       // same port, same
//   data
//
// The destructor SIGKILLs a claimd still running, so no test leaves one behind,
// even when an assertion fails halfway. Every wait is bounded.
//
// Thread-safety: one thread (the test's) drives a harness; channels it makes
// are thread-safe as usual.
#ifndef CLAIMD_TESTS_E2E_CLAIMD_HARNESS_H_
#define CLAIMD_TESTS_E2E_CLAIMD_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/e2e/process.h"

namespace claimd::e2e {

// Paths to the binaries under test, from CMake.
const char* ClaimdBinary();
const char* ClaimctlBinary();

// A channel to `address` with its own TCP connection (no subchannel sharing)
// and a short reconnect backoff, so a restarted server is dialled again within
// ~200 ms.
std::shared_ptr<grpc::Channel> NewLoopbackChannel(const std::string& address);

class ClaimdHarness {
 public:
  // `data_dir` is passed as --data_dir; claimd's stdout and stderr of every
  // start are appended to `log_dir`/claimd.out and claimd.err. `flags` are
  // added to every start, after the harness's own: --listen, --data_dir and
  // --metrics_listen= (metrics off; pass --metrics_listen=127.0.0.1:0 to
  // turn them on).
  ClaimdHarness(std::string data_dir, std::string log_dir,
                std::vector<std::string> flags = {});
  ~ClaimdHarness();
  ClaimdHarness(const ClaimdHarness&) = delete;
  ClaimdHarness& operator=(const ClaimdHarness&) = delete;

  // Starts claimd on `port` and waits (up to 10 s) until it answers ListClaims.
  // With port 0 a free port is picked, and picked again (3 attempts) when
  // claimd exits before serving (someone took the port). Errors:
  // FAILED_PRECONDITION when a claimd of this harness is running; UNAVAILABLE
  // when it exited or never served (its stderr is in the message);
  // DEADLINE_EXCEEDED.
  absl::Status Start(int port = 0);

  // Sends `signal` and waits up to `timeout` for the exit. nullopt on timeout
  // (the process is left running; the destructor kills it).
  std::optional<ExitStatus> Stop(int signal, absl::Duration timeout);

  // SIGKILL and reap.
  ExitStatus KillNow();

  bool running();
  int port() const { return port_; }
  // The running claimd's process id; 0 when none was started.
  pid_t pid() const { return process_ != nullptr ? process_->pid() : 0; }
  std::string address() const;  // "127.0.0.1:<port>"
  const std::string& data_dir() const { return data_dir_; }
  // Everything claimd wrote to stderr, across starts.
  std::string Stderr() const;

  std::shared_ptr<grpc::Channel> NewChannel() const {
    return NewLoopbackChannel(address());
  }

 private:
  absl::Status StartOnce(int port);

  const std::string data_dir_;
  const std::string out_path_;
  const std::string err_path_;
  const std::vector<std::string> flags_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// Polls ListClaims on `address` until it succeeds or `timeout` passes.
absl::Status WaitUntilServing(const std::string& address,
                              absl::Duration timeout, Process* process);

// The outcome of one finished command.
struct CommandResult {
  ExitStatus exit;
  std::string out;
  std::string err;
  bool timed_out = false;
  // "exit code 3; stdout: ...; stderr: ..." for assertion messages.
  std::string Describe() const;
};

// Runs `binary args...` to completion (SIGKILL after `timeout`), with its
// output in files under `scratch_dir`.
CommandResult RunCommand(const std::string& binary,
                         const std::vector<std::string>& args,
                         const std::string& scratch_dir,
                         absl::Duration timeout = absl::Seconds(20));

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_CLAIMD_HARNESS_H_
