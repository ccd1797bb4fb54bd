// What every claimctl command works with: the world outside the process
// (CliEnvironment: streams, terminal, clock, the stub factory, signals), the
// global flags, and CommandContext, which a command's run function receives:
// the client (created on first use), output helpers and the one way to fail
// (one error line on stderr, the exit code for the status). Commands
// themselves live in client/commands/, one file each, registered through
// registry.h.
//
// Thread-safety: a CommandContext belongs to one command run.
#ifndef CLAIMD_CLIENT_CLI_COMMAND_CONTEXT_H_
#define CLAIMD_CLIENT_CLI_COMMAND_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "claimd/client/claim_client.h"
#include "claimd/client/claim_stub.h"
#include "claimd/client/watch_follower.h"
#include "claims/v1/claims.pb.h"
#include "client/cli/requests.h"
#include "client/render/render.h"

namespace claimd::client {

// What claimctl takes from the world; main.cc fills it for real, tests with
// fakes.
struct CliEnvironment {
  // Standard input, for `import -`; may be null.
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Colour and terminal width for table output (see RenderOptions).
  bool color = false;
  size_t width = 0;
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // The stub for `--server`, secured by --cacert/--cert/--key/--token; called
  // at most once, after parsing.
  std::function<std::shared_ptr<ClaimStub>(const std::string& server,
                                           const ChannelSecurity& security,
                                           const ChannelOptions& channel)>
      make_stub;
  // ClaimClient's options; `timeout` is replaced by --timeout.
  ClaimClientOptions client_options;
  WatchFollowerOptions watch_options;
  // Arranges for `stop` to run on SIGINT/SIGTERM while the returned handle
  // lives. Called by `watch` before make_stub. Null: no signal handling.
  std::function<std::shared_ptr<void>(std::function<void()> stop)> on_interrupt;
  // `claimctl health`: grpc.health.v1 Check of `service` on `server` (with the
  // same TLS and token settings as every other command); returns the serving
  // status's name (health.h). Null: the command fails.
  std::function<absl::StatusOr<std::string>(
      const std::string& server, const ChannelSecurity& security,
      const std::string& service, absl::Duration timeout)>
      check_health;
  // `claimctl version`: the version `server` says it runs (ServerVersion in
  // health_command.h), with the same TLS and token settings. Null: "server:
  // not reachable".
  std::function<absl::StatusOr<std::string>(const std::string& server,
                                            const ChannelSecurity& security,
                                            absl::Duration timeout)>
      server_version;
  // What `top` needs to know to draw full-screen, and `import` to draw a
  // progress bar: which standard streams are terminals, and $TERM.
  bool stdin_tty = false;
  bool stdout_tty = false;
  bool stderr_tty = false;
  std::string term;
  // claimctl's config file (config_file.h); "" for none.
  std::string config_path;
};

struct GlobalFlags {
  std::string server = "127.0.0.1:50051";
  // table, wide, json, yaml or name.
  std::string output = "table";
  absl::Duration timeout = absl::Seconds(10);
  ChannelSecurity security;
  // --keepalive (timeout: the same, at most 10 s).
  ChannelOptions channel;
  // Monitors (watch, top) give up when the first connections fail, instead of
  // retrying until stopped.
  bool fail_fast = false;
  // Tables without their header line.
  bool no_headers = false;
  // Times in UTC even on a terminal (else local time there).
  bool utc = false;
};

class CommandContext {
 public:
  CommandContext(const CliEnvironment& env, const GlobalFlags& flags);

  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  // Created on first use from env.make_stub(flags.server).
  ClaimClient& client();
  bool json() const { return flags_.output == "json"; }
  // -o json, yaml or name: one record per message (PrintMessage), no tables.
  bool structured() const {
    return flags_.output == "json" || flags_.output == "yaml" ||
           flags_.output == "name";
  }
  const std::string& output() const { return flags_.output; }
  // The environment's watch options, with --fail-fast applied and a look at
  // the channel for a server that is back (server_ready).
  WatchFollowerOptions watch_options();
  std::ostream& out() { return *env_.out; }
  std::ostream& err() { return *env_.err; }
  const CliEnvironment& env() const { return env_; }
  const GlobalFlags& flags() const { return flags_; }
  RenderOptions render_options() const;

  // Prints ErrorLine(what, status, hint or the generic hint) to stderr and
  // returns ExitCodeFor(status).
  int Fail(absl::string_view what, const absl::Status& status,
           absl::string_view hint = "");
  // Prints `message` (JSON or text) and a newline to stdout; flushes.
  void PrintLine(absl::string_view message);
  // Prints `message` as one JSON line; on failure reports it. Returns an exit
  // code.
  int PrintJson(const google::protobuf::Message& message);
  // Prints `message` as -o asks: a JSON line, a YAML document ("---" first),
  // or its name (a claim's "claims/ID"; an event's claim; nothing for a
  // message without one). Returns an exit code.
  int PrintMessage(const google::protobuf::Message& message);

 private:
  const CliEnvironment& env_;
  const GlobalFlags& flags_;
  std::unique_ptr<ClaimClient> client_;
};

// "see `claimctl COMMAND --help`", the hint of a usage error.
std::string UsageHint(absl::string_view command);

// The page size to ask for: the user's, or just enough for `limit`.
int32_t PageSize(int32_t page_size, int64_t limit);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_COMMAND_CONTEXT_H_
