// The work of each claimctl subcommand, once its flags are parsed (cli.cc
// parses).
//
// A command builds its request (requests.h), calls ClaimClient, renders the
// result (render.h) to the environment's stdout and, on failure, prints one
// error line (errors.h) to its stderr and returns the exit code. Everything
// outside the process (the stub, the streams, the clock, the terminal, signals)
// comes from CliEnvironment, so the commands run in tests against a mocked
// ClaimStub.
//
// Thread-safety: a CommandContext belongs to one command run.
#ifndef CLAIMD_CLIENT_COMMANDS_H_
#define CLAIMD_CLIENT_COMMANDS_H_

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
#include "claims/v1/claims.pb.h"
#include "client/claim_client.h"
#include "client/claim_stub.h"
#include "client/render.h"
#include "client/requests.h"
#include "client/watch_follower.h"

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
                                           const ChannelSecurity& security)>
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
  // What `top` needs to know to draw full-screen, and `import` to draw a
  // progress bar: which standard streams are terminals, and $TERM.
  bool stdin_tty = false;
  bool stdout_tty = false;
  bool stderr_tty = false;
  std::string term;
};

struct GlobalFlags {
  std::string server = "127.0.0.1:50051";
  std::string output = "table";  // or "json"
  absl::Duration timeout = absl::Seconds(10);
  ChannelSecurity security;
};

class CommandContext {
 public:
  CommandContext(const CliEnvironment& env, const GlobalFlags& flags);

  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  // Created on first use from env.make_stub(flags.server).
  ClaimClient& client();
  bool json() const { return flags_.output == "json"; }
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

 private:
  const CliEnvironment& env_;
  const GlobalFlags& flags_;
  std::unique_ptr<ClaimClient> client_;
};

struct ListFlags {
  std::string filter;
  int32_t page_size = 0;
  int64_t limit = 0;  // 0: every page
};

struct HistoryFlags {
  std::string id;  // empty: every claim
  int32_t page_size = 0;
  int64_t limit = 0;
};

struct WatchFlags {
  std::string filter;
  int64_t from_revision = 0;
  bool snapshot = false;
  // Print the snapshot and exit (implies snapshot).
  bool once = false;
};

int RunCreate(CommandContext& context, const CreateFlags& flags);
int RunGet(CommandContext& context, const std::string& id);
int RunList(CommandContext& context, const ListFlags& flags);
// confirm, deny, report.
int RunVerdict(CommandContext& context, const VerdictFlags& flags,
               claims::v1::VerificationStatus status);
int RunDelete(CommandContext& context, const std::string& id,
              int64_t expected_revision);
int RunHistory(CommandContext& context, const HistoryFlags& flags);
// Until SIGINT/SIGTERM (exit 0) or an error that ends the watch.
int RunWatch(CommandContext& context, const WatchFlags& flags);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_COMMANDS_H_
