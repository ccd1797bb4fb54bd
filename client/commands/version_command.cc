// claimctl version: the client's version and the commit it was built from.
#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"

#ifndef CLAIMCTL_VERSION
#error "CLAIMCTL_VERSION must be defined by the build"
#endif
#ifndef CLAIMCTL_COMMIT
#error "CLAIMCTL_COMMIT must be defined by the build"
#endif

namespace claimd::client {
namespace {

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "version",
    .group = CommandGroup::kOther,
    .summary = "Print the client's version and the commit it was built from",
    .description = "claimd's API does not report the server's version; "
                   "`claimd --version` on the server does.",
    .examples = "claimctl version\nclaimctl version -o json",
    .setup = [](CLI::App&) -> CommandRun {
      return [](CommandContext& context) {
        if (context.json()) {
          context.PrintLine(absl::StrCat("{\"clientVersion\":\"",
                                         CLAIMCTL_VERSION, "\",\"commit\":\"",
                                         CLAIMCTL_COMMIT, "\"}"));
        } else {
          context.PrintLine(absl::StrCat("Client Version: ", CLAIMCTL_VERSION,
                                         " (commit ", CLAIMCTL_COMMIT, ")"));
        }
        return kExitOk;
      };
    },
});

}  // namespace
}  // namespace claimd::client
