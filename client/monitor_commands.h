// The subcommands of claimctl for monitoring and moving claims in bulk: `top`
// (a live full-screen table) and `export` (JSON Lines or schema.org
// ClaimReview). cli.cc registers them through AddMonitorCommands, so their
// flags, help and examples live here rather than in the shared command table.
//
//   std::vector<AddedCommand> added = AddMonitorCommands(app);
//   app.parse(argc, argv);
//   for (AddedCommand& c : added) if (c.command->parsed()) return c.run(ctx);
//
// Thread-safety: one command run at a time.
#ifndef CLAIMD_CLIENT_MONITOR_COMMANDS_H_
#define CLAIMD_CLIENT_MONITOR_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include "client/commands.h"

namespace CLI {
class App;
}  // namespace CLI

namespace claimd::client {

struct AddedCommand {
  CLI::App* command = nullptr;
  // Runs the command with the flags it parsed; returns the exit code.
  std::function<int(CommandContext&)> run;
};

// Adds `top` and `export` to `app`.
std::vector<AddedCommand> AddMonitorCommands(CLI::App& app);

struct TopFlags {
  std::string filter;
};

// Why `top` cannot draw full-screen here ("stdout is not a terminal", "TERM
// is dumb", ...), or "" when it can.
std::string FullScreenUnavailable(const CliEnvironment& env);

// The live view until q or Ctrl-C (exit 0). Without a usable terminal it says
// why on stderr and prints the snapshot and every later change as lines, as
// `claimctl watch --snapshot` does.
int RunTop(CommandContext& context, const TopFlags& flags);

struct ExportFlags {
  std::string filter;
  std::string format = "jsonl";  // or "claimreview"
};

// Writes every matching claim to stdout, one JSON object per line, and a
// count to stderr. jsonl: claims.v1.Claim in the proto JSON mapping (what
// `import` reads); claimreview: schema.org ClaimReview (claim_review.h).
int RunExport(CommandContext& context, const ExportFlags& flags);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_MONITOR_COMMANDS_H_
