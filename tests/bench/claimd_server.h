// A claimd child process for claimbench: the built binary on a free loopback
// port and a given data directory, started and timed until it answers
// ListClaims, stopped with SIGTERM. Thin layer over the e2e Process helpers.
//
// Thread-safety: one thread drives a ClaimdServer.
#ifndef CLAIMD_TESTS_BENCH_CLAIMD_SERVER_H_
#define CLAIMD_TESTS_BENCH_CLAIMD_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/e2e/process.h"

namespace claimd::bench {

class ClaimdServer {
 public:
  // Starts claimd --data_dir=`data_dir` plus `flags`, logs under `log_dir`,
  // and waits up to `timeout` until it serves. `binary`: the claimd to run
  // (empty: the one this tree built). Errors: UNAVAILABLE (exited, with its
  // stderr), DEADLINE_EXCEEDED.
  static absl::StatusOr<std::unique_ptr<ClaimdServer>> Start(
      const std::string& data_dir, const std::string& log_dir,
      const std::vector<std::string>& flags, absl::Duration timeout,
      const std::string& binary = "");
  ~ClaimdServer();  // SIGTERM, then SIGKILL after 60 s
  ClaimdServer(const ClaimdServer&) = delete;
  ClaimdServer& operator=(const ClaimdServer&) = delete;

  const std::string& address() const { return address_; }
  pid_t pid() const { return process_->pid(); }
  // From exec to the first successful ListClaims.
  absl::Duration startup() const { return startup_; }

 private:
  ClaimdServer(std::unique_ptr<e2e::Process> process, std::string address,
               absl::Duration startup)
      : process_(std::move(process)),
        address_(std::move(address)),
        startup_(startup) {}

  std::unique_ptr<e2e::Process> process_;
  const std::string address_;
  const absl::Duration startup_;
};

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_CLAIMD_SERVER_H_
