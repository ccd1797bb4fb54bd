// claimctl's entry point: builds the real CliEnvironment (stdout, terminal,
// gRPC channel, signals) and runs the command line (cli.h).
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "claimd/client/claim_stub.h"
#include "claimd/client/server_target.h"
#include "client/cli/cli.h"
#include "client/cli/config_file.h"
#include "client/cli/stop_signal.h"
#include "client/commands/health_command.h"
#include "client/render/render.h"
#include "grpc/support/log.h"

namespace {

size_t TerminalWidth() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 0;
}

// gRPC's own log lines (an ERROR per failed TLS handshake) would come before
// claimctl's one-line error, which already says what failed. Set
// GRPC_VERBOSITY to see them.
void DropGrpcLog(gpr_log_func_args* /*args*/) {}

std::string GrpcTarget(const std::string& server) {
  absl::StatusOr<claimd::client::Target> target =
      claimd::client::ServerTarget(server);
  return target.ok() ? target->target : server;
}

}  // namespace

int main(int argc, char** argv) {
  using claimd::client::CliEnvironment;
  using claimd::client::MakeClaimChannel;
  using claimd::client::MakeGrpcClaimStub;
  using claimd::client::RunClaimctl;
  using claimd::client::ShouldUseColor;
  using claimd::client::StopSignal;
  const bool tty = isatty(STDOUT_FILENO) == 1;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread exists yet.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) {
    gpr_set_log_function(&DropGrpcLog);
  }

  CliEnvironment env;
  env.in = &std::cin;
  env.out = &std::cout;
  env.err = &std::cerr;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread exists yet.
  env.color = ShouldUseColor(tty, std::getenv("NO_COLOR"));
  env.width = tty ? TerminalWidth() : 0;
  // cli.cc has refused an address ServerTarget cannot read before these run.
  env.make_stub = [](const std::string& server,
                     const claimd::client::ChannelSecurity& security,
                     const claimd::client::ChannelOptions& channel) {
    return MakeGrpcClaimStub(
        MakeClaimChannel(GrpcTarget(server), security, channel));
  };
  env.stdin_tty = isatty(STDIN_FILENO) == 1;
  env.stdout_tty = tty;
  env.stderr_tty = isatty(STDERR_FILENO) == 1;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread exists yet.
  const char* term = std::getenv("TERM");
  env.term = term == nullptr ? "" : term;
  // No other thread exists yet, so getenv is safe here.
  const char* config =
      std::getenv("CLAIMCTL_CONFIG");      // NOLINT(concurrency-mt-unsafe)
  const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe)
  env.config_path = claimd::client::DefaultConfigPath(config, home);
  env.on_interrupt = [](std::function<void()> stop) -> std::shared_ptr<void> {
    return std::make_shared<StopSignal>(std::move(stop));
  };
  env.check_health = [](const std::string& server,
                        const claimd::client::ChannelSecurity& security,
                        const std::string& service, absl::Duration timeout) {
    return claimd::client::CheckHealth(
        MakeClaimChannel(GrpcTarget(server), security), service, timeout);
  };
  env.server_version = [](const std::string& server,
                          const claimd::client::ChannelSecurity& security,
                          absl::Duration timeout) {
    return claimd::client::ServerVersion(
        MakeClaimChannel(GrpcTarget(server), security), timeout);
  };
  return RunClaimctl(argc, argv, env);
}
