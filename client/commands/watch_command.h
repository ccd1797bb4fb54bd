// claimctl watch: every change as it happens, resumed across disconnects and
// replicas (WatchFollower). `top` falls back to it without a terminal. Also
// ChangeRows, the `--watch` of `get` and `list` (kubectl's habit): after the
// command's read, one row (or -o document) per change that followed it.
//
// Thread-safety: one run per process (it installs the signal handler).
#ifndef CLAIMD_CLIENT_COMMANDS_WATCH_COMMAND_H_
#define CLAIMD_CLIENT_COMMANDS_WATCH_COMMAND_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "claimd/client/watch_follower.h"
#include "claims/v1/claims.pb.h"
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

// The stderr lines of a resumed watch (reconnecting, store reset), shared by
// `watch` and ChangeRows so both say the same.
void AddWatchNotices(CommandContext& context,
                     WatchFollower::Callbacks& callbacks);

// `get --watch` and `list --watch`. Made before the command's read: it
// installs the Ctrl-C handler before the client's channel exists, so gRPC's
// threads inherit the blocked signals (stop_signal.h).
//
//   ChangeRows rows(context);
//   ... read, print the table, note every claim shown and the revision read ...
//   return rows.Run("list", request, shown, /*until_deleted=*/false);
class ChangeRows {
 public:
  explicit ChangeRows(CommandContext& context);

  ChangeRows(const ChangeRows&) = delete;
  ChangeRows& operator=(const ChangeRows&) = delete;

  // Watches `request` (filter, start_revision and store_id from the read)
  // and prints the claim of each change as one table row without a header
  // (or as -o asks), skipping a change the read already showed: one of a
  // claim in `shown` (name -> revision shown) at or below that revision. A
  // deletion also says so on stderr. Returns 0 after Ctrl-C, or when
  // `until_deleted` and a claim was deleted; else the exit code of the error
  // that ended the watch (`what` names the command in its line).
  int Run(absl::string_view what, const claims::v1::WatchClaimsRequest& request,
          std::map<std::string, int64_t> shown, bool until_deleted);

 private:
  CommandContext& context_;
  WatchFollower follower_;
  std::shared_ptr<void> interrupt_guard_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_COMMANDS_WATCH_COMMAND_H_
