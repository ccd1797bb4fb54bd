// claimctl version: the client's version and the commit it was built from,
// and the version the server says it runs.
#include <CLI/CLI.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"
#include "client/render/render.h"
#include "client/render/text.h"
#include "google/protobuf/struct.pb.h"

#ifndef CLAIMCTL_VERSION
#error "CLAIMCTL_VERSION must be defined by the build"
#endif
#ifndef CLAIMCTL_COMMIT
#error "CLAIMCTL_COMMIT must be defined by the build"
#endif

namespace claimd::client {
namespace {

// What the server says it runs: "0.1.0 (1a2b3c4d5e6f)", or why not.
absl::StatusOr<std::string> AskServer(CommandContext& context) {
  if (!context.env().server_version) {
    return absl::UnavailableError("this claimctl cannot ask");
  }
  absl::StatusOr<std::string> version = context.env().server_version(
      context.flags().server, context.flags().security,
      context.flags().timeout);
  // Server text: escaped like everything else it sends.
  if (version.ok()) return Sanitize(*version);
  return version.status();
}

int RunVersion(CommandContext& context) {
  const absl::StatusOr<std::string> server = AskServer(context);
  if (context.json()) {
    // A Struct prints as a plain JSON object, its strings escaped.
    google::protobuf::Struct json;
    auto& fields = *json.mutable_fields();
    fields["clientVersion"].set_string_value(CLAIMCTL_VERSION);
    fields["commit"].set_string_value(CLAIMCTL_COMMIT);
    if (server.ok()) {
      fields["serverVersion"].set_string_value(*server);
    } else {
      fields["serverError"].set_string_value(
          Sanitize(server.status().message()));
    }
    return context.PrintJson(json);
  }
  context.PrintLine(absl::StrCat("Client Version: ", CLAIMCTL_VERSION,
                                 " (commit ", CLAIMCTL_COMMIT, ")"));
  if (server.ok()) {
    context.PrintLine(absl::StrCat("server: ", *server));
  } else if (server.status().code() == absl::StatusCode::kNotFound) {
    // It answered, without saying (an older claimd).
    context.PrintLine(absl::StrCat("server: version unknown (",
                                   Sanitize(server.status().message()), ")"));
  } else {
    context.PrintLine(absl::StrCat("server: not reachable (",
                                   Sanitize(server.status().message()), ")"));
  }
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "version",
    .group = CommandGroup::kOther,
    .summary = "Print the client's version and the server's",
    .description =
        "The server's version comes from the claimd-version header of one "
        "health check (no rights needed), within --timeout. A server that "
        "cannot be asked is said on the \"server:\" line; the command still "
        "exits 0, as the client's version was printed.",
    .examples = "claimctl version\nclaimctl version -o json\n"
                "claimctl --server claimd.example:50051 version",
    .setup = [](CLI::App&) -> CommandRun {
      return [](CommandContext& context) { return RunVersion(context); };
    },
});

}  // namespace
}  // namespace claimd::client
