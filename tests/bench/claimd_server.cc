#include "tests/bench/claimd_server.h"

#include <signal.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "tests/e2e/claimd_harness.h"

namespace claimd::bench {

absl::StatusOr<std::unique_ptr<ClaimdServer>> ClaimdServer::Start(
    const std::string& data_dir, const std::string& log_dir,
    const std::vector<std::string>& flags, absl::Duration timeout,
    const std::string& binary) {
  absl::StatusOr<int> port = e2e::PickFreePort();
  if (!port.ok()) return port.status();
  const std::string address = absl::StrCat("127.0.0.1:", *port);
  std::vector<std::string> args = {
      absl::StrCat("--listen=", address), absl::StrCat("--data_dir=", data_dir),
      // Metrics on, as in production, on a port of their own.
      "--metrics_listen=127.0.0.1:0",
      // One client host opens up to 10,000 watchers over 16 connections: lift
      // the per-caller and per-connection limits.
      "--max_watchers=0", "--max_watchers_per_identity=0",
      "--max_concurrent_streams=100000"};
  args.insert(args.end(), flags.begin(), flags.end());
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<e2e::Process>> process =
      e2e::Process::Start(binary.empty() ? e2e::ClaimdBinary() : binary, args,
                          log_dir + "/claimd.out", log_dir + "/claimd.err");
  if (!process.ok()) return process.status();
  absl::Status serving =
      e2e::WaitUntilServing(address, timeout, process->get());
  if (!serving.ok()) return serving;
  return std::unique_ptr<ClaimdServer>(
      new ClaimdServer(std::move(*process), address, absl::Now() - start));
}

ClaimdServer::~ClaimdServer() {
  process_->Signal(SIGTERM);
  if (!process_->Wait(absl::Seconds(60)).has_value()) process_->Kill();
}

}  // namespace claimd::bench
