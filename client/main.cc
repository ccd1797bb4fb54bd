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

#include "client/claim_stub.h"
#include "client/cli.h"
#include "client/health.h"
#include "client/render.h"
#include "client/stop_signal.h"

namespace {

size_t TerminalWidth() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 0;
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

  CliEnvironment env;
  env.in = &std::cin;
  env.out = &std::cout;
  env.err = &std::cerr;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread exists yet.
  env.color = ShouldUseColor(tty, std::getenv("NO_COLOR"));
  env.width = tty ? TerminalWidth() : 0;
  env.make_stub = [](const std::string& server,
                     const claimd::client::ChannelSecurity& security) {
    return MakeGrpcClaimStub(MakeClaimChannel(server, security));
  };
  env.stdin_tty = isatty(STDIN_FILENO) == 1;
  env.stdout_tty = tty;
  env.stderr_tty = isatty(STDERR_FILENO) == 1;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread exists yet.
  const char* term = std::getenv("TERM");
  env.term = term == nullptr ? "" : term;
  env.on_interrupt = [](std::function<void()> stop) -> std::shared_ptr<void> {
    return std::make_shared<StopSignal>(std::move(stop));
  };
  env.check_health = [](const std::string& server,
                        const claimd::client::ChannelSecurity& security,
                        const std::string& service, absl::Duration timeout) {
    return claimd::client::CheckHealth(MakeClaimChannel(server, security),
                                       service, timeout);
  };
  return RunClaimctl(argc, argv, env);
}
