// claimctl get: one claim and its evidence; with --watch, then one row per
// change of it (watch_command.h's ChangeRows).
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/commands/watch_command.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

// get --watch: the claim as a one-row table (rows follow it, as in kubectl),
// then its changes until Ctrl-C or its deletion. The read is a ListClaims of
// this one name, because a page says the store revision it was read at (a
// claim only says when it last changed, which may be older than the history
// the server keeps): the watch starts right after it.
int RunGetWatch(CommandContext& context, const v1::GetClaimRequest& request) {
  ChangeRows rows(context);
  const std::string what = absl::StrCat("get ", request.name());
  // The name is validated (BuildGetRequest): no quote to escape.
  const std::string filter = absl::StrCat("name = \"", request.name(), "\"");
  std::vector<v1::Claim> claims;
  PageInfo read;
  const absl::Status status = context.client().ForEachClaim(
      BuildListRequest(filter, 1), 1,
      [&claims](v1::Claim& claim) { claims.push_back(std::move(claim)); },
      &read);
  if (!status.ok()) return context.Fail(what, status);
  v1::WatchClaimsRequest watch = BuildWatchRequest(filter, 0, false);
  if (claims.empty()) {
    // GetClaim says why, in the words `get` uses (normally NOT_FOUND).
    absl::StatusOr<v1::Claim> claim = context.client().GetClaim(request);
    if (!claim.ok()) return context.Fail(what, claim.status());
    // Created since: its changes follow its own revision.
    claims.push_back(*std::move(claim));
    watch.set_start_revision(claims[0].revision() + 1);
  } else {
    watch.set_start_revision(read.first_revision + 1);
    watch.set_store_id(read.store_id);
  }
  if (context.structured()) {
    if (int code = context.PrintMessage(claims[0]); code != kExitOk) {
      return code;
    }
  } else {
    context.out() << RenderClaimsTable(claims, context.render_options());
    context.out().flush();
  }
  return rows.Run("get", watch, {{claims[0].name(), claims[0].revision()}},
                  /*until_deleted=*/true);
}

int RunGet(CommandContext& context, const std::string& id, bool watch) {
  absl::StatusOr<v1::GetClaimRequest> request = BuildGetRequest(id);
  if (!request.ok())
    return context.Fail("get", request.status(), UsageHint("get"));
  if (watch) return RunGetWatch(context, *request);
  absl::StatusOr<v1::Claim> claim = context.client().GetClaim(*request);
  if (!claim.ok()) {
    return context.Fail(absl::StrCat("get ", request->name()), claim.status());
  }
  if (context.structured()) return context.PrintMessage(*claim);
  context.out() << RenderClaimDetail(*claim, context.render_options());
  context.out().flush();
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "get",
    .group = CommandGroup::kBasic,
    .summary = "Show one claim and its evidence",
    .examples = "claimctl get border\nclaimctl get claims/border -o json\n"
                "claimctl get border --watch",
    .notes =
        "-w/--watch prints the claim as a table row (or -o json/yaml/name), "
        "then one more row per change of it, as kubectl does, resuming after "
        "a lost connection; it exits 0 on Ctrl-C or once the claim is "
        "deleted (the deletion is also said on stderr).",
    .setup = [](CLI::App& command) -> CommandRun {
      auto id = std::make_shared<std::string>();
      auto watch = std::make_shared<bool>(false);
      command.add_option("ID", *id, "claim ID (abc or claims/abc)")->required();
      command.add_flag("-w,--watch", *watch,
                       "after the claim, print a row per change until Ctrl-C "
                       "or its deletion");
      return [id, watch](CommandContext& context) {
        return RunGet(context, *id, *watch);
      };
    },
});

}  // namespace
}  // namespace claimd::client
