// claimctl watch: every change as it happens, resumed across disconnects and
// replicas (WatchFollower). `top` falls back to it without a terminal.
//
// Thread-safety: one run per process (it installs the signal handler).
#ifndef CLAIMD_CLIENT_COMMANDS_WATCH_COMMAND_H_
#define CLAIMD_CLIENT_COMMANDS_WATCH_COMMAND_H_

#include <cstdint>
#include <string>

#include "client/cli/command_context.h"

namespace claimd::client {

struct WatchFlags {
  std::string filter;
  int64_t from_revision = 0;
  bool snapshot = false;
  // Print the snapshot and exit (implies snapshot).
  bool once = false;
};

// Until SIGINT/SIGTERM (exit 0) or an error that ends the watch.
int RunWatch(CommandContext& context, const WatchFlags& flags);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_COMMANDS_WATCH_COMMAND_H_
