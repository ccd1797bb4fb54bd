#include "tests/e2e/claimd_harness.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"

#ifndef CLAIMD_BIN
#error "CLAIMD_BIN must be defined to the path of the claimd binary"
#endif
#ifndef CLAIMCTL_BIN
#error "CLAIMCTL_BIN must be defined to the path of the claimctl binary"
#endif

namespace claimd::e2e {
namespace {

std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

}  // namespace

const char* ClaimdBinary() { return CLAIMD_BIN; }
const char* ClaimctlBinary() { return CLAIMCTL_BIN; }

std::shared_ptr<grpc::Channel> NewLoopbackChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // Channels with identical arguments share one connection; tests want their
  // own.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 300);
  // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS stays at its default (20 s): gRPC 1.51
  // also uses it as the deadline of each connection attempt, and at 100 ms a
  // loaded machine failed handshakes ("timed out before receiving SETTINGS
  // frame"), which tests then saw as UNAVAILABLE from claimd.
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

absl::Status WaitUntilServing(const std::string& address,
                              absl::Duration timeout, Process* process) {
  const absl::Time deadline = absl::Now() + timeout;
  auto stub = claims::v1::ClaimService::NewStub(NewLoopbackChannel(address));
  grpc::Status last;
  // Bounded by the deadline: each attempt waits at most 250 ms.
  while (absl::Now() < deadline) {
    if (process != nullptr && !process->Running()) {
      return absl::UnavailableError(
          absl::StrCat("claimd exited (", process->exit_status()->ToString(),
                       ") before serving on ", address));
    }
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    context.set_deadline(DeadlineIn(absl::Milliseconds(250)));
    claims::v1::ListClaimsRequest request;
    request.set_page_size(1);
    claims::v1::ListClaimsResponse response;
    last = stub->ListClaims(&context, request, &response);
    if (last.ok()) return absl::OkStatus();
    if (last.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  return absl::DeadlineExceededError(
      absl::StrCat("claimd on ", address, " did not serve within ",
                   absl::FormatDuration(timeout),
                   "; last ListClaims: ", last.error_message()));
}

ClaimdHarness::ClaimdHarness(std::string data_dir, std::string log_dir,
                             std::vector<std::string> flags)
    : data_dir_(std::move(data_dir)),
      out_path_(log_dir + "/claimd.out"),
      err_path_(std::move(log_dir) + "/claimd.err"),
      flags_(std::move(flags)) {}

ClaimdHarness::~ClaimdHarness() {
  if (process_ != nullptr) process_->Kill();
}

std::string ClaimdHarness::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

std::string ClaimdHarness::Stderr() const { return ReadFile(err_path_); }

bool ClaimdHarness::running() {
  return process_ != nullptr && process_->Running();
}

absl::Status ClaimdHarness::StartOnce(int port) {
  // Metrics are off unless a test turns them on in `flags` (a later flag
  // wins): tests run many claimd at once and they must not fight over the
  // default metrics port.
  std::vector<std::string> args = {absl::StrCat("--listen=127.0.0.1:", port),
                                   absl::StrCat("--data_dir=", data_dir_),
                                   "--metrics_listen="};
  args.insert(args.end(), flags_.begin(), flags_.end());
  absl::StatusOr<std::unique_ptr<Process>> process =
      Process::Start(ClaimdBinary(), args, out_path_, err_path_);
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  port_ = port;
  absl::Status serving =
      WaitUntilServing(address(), absl::Seconds(10), process_.get());
  if (!serving.ok()) {
    process_->Kill();
    return absl::Status(
        serving.code(),
        absl::StrCat(serving.message(), "\nclaimd stderr:\n", Stderr()));
  }
  return absl::OkStatus();
}

absl::Status ClaimdHarness::Start(int port) {
  if (running())
    return absl::FailedPreconditionError("claimd is already running");
  if (port != 0) return StartOnce(port);
  absl::Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<int> picked = PickFreePort();
    if (!picked.ok()) return picked.status();
    status = StartOnce(*picked);
    // Only an early exit can mean that someone else took the port.
    if (status.ok() || status.code() != absl::StatusCode::kUnavailable)
      return status;
  }
  return status;
}

std::optional<ExitStatus> ClaimdHarness::Stop(int signal,
                                              absl::Duration timeout) {
  if (process_ == nullptr) return std::nullopt;
  process_->Signal(signal);
  return process_->Wait(timeout);
}

ExitStatus ClaimdHarness::KillNow() {
  if (process_ == nullptr) return ExitStatus{};
  return process_->Kill();
}

std::string CommandResult::Describe() const {
  return absl::StrCat(timed_out ? "timed out; " : "", exit.ToString(),
                      "\nstdout:\n", out, "\nstderr:\n", err);
}

CommandResult RunCommand(const std::string& binary,
                         const std::vector<std::string>& args,
                         const std::string& scratch_dir,
                         absl::Duration timeout) {
  static std::atomic<int> counter{0};
  const int n = counter.fetch_add(1);
  const std::string out_path = absl::StrCat(scratch_dir, "/cmd", n, ".out");
  const std::string err_path = absl::StrCat(scratch_dir, "/cmd", n, ".err");
  CommandResult result;
  absl::StatusOr<std::unique_ptr<Process>> process =
      Process::Start(binary, args, out_path, err_path);
  if (!process.ok()) {
    result.err = process.status().ToString();
    result.exit.code = -1;
    return result;
  }
  std::optional<ExitStatus> exit = (*process)->Wait(timeout);
  if (!exit.has_value()) {
    result.timed_out = true;
    exit = (*process)->Kill();
  }
  result.exit = *exit;
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

}  // namespace claimd::e2e
