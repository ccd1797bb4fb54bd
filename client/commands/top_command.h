// claimctl top: a live full-screen table of claims over one watch stream
// (client/top/ holds its model, screen, keys and terminal).
//
// Thread-safety: one run per process (it owns the terminal and signals).
#ifndef CLAIMD_CLIENT_COMMANDS_TOP_COMMAND_H_
#define CLAIMD_CLIENT_COMMANDS_TOP_COMMAND_H_

#include <string>

#include "client/cli/command_context.h"

namespace claimd::client {

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

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_COMMANDS_TOP_COMMAND_H_
