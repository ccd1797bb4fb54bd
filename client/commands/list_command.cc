// claimctl list: claims in ID order, every page through the client's pager;
// with --watch, then one row per change (watch_command.h's ChangeRows).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/cli/errors.h"
#include "client/cli/flags.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/commands/watch_command.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

struct ListFlags {
  std::string filter;
  int32_t page_size = 0;
  int64_t limit = 0;    // 0: every page
  std::string sort_by;  // "" keeps the server's order (by ID)
  bool watch = false;
};

// Sorts `claims` by `key`; newest first for times, highest first for counts,
// as people scan for what changed; ties keep ID order.
void SortClaims(const std::string& key, std::vector<v1::Claim>& claims) {
  const auto time_of = [](const google::protobuf::Timestamp& t) {
    return std::pair(t.seconds(), t.nanos());
  };
  std::stable_sort(
      claims.begin(), claims.end(),
      [&](const v1::Claim& a, const v1::Claim& b) {
        if (key == "status") return a.status() < b.status();
        if (key == "revision") return a.revision() > b.revision();
        if (key == "evidence") {
          return a.evidence_size() > b.evidence_size();
        }
        if (key == "statement") {
          return a.statement() < b.statement();
        }
        if (key == "created") {
          return time_of(a.create_time()) > time_of(b.create_time());
        }
        if (key == "updated") {
          return time_of(a.update_time()) > time_of(b.update_time());
        }
        return false;  // "id": the server's order
      });
}

// Prints the claims as -o asks; returns an exit code.
int PrintClaims(CommandContext& context, const std::vector<v1::Claim>& claims) {
  if (context.structured()) {
    for (const v1::Claim& claim : claims) {
      if (int code = context.PrintMessage(claim); code != kExitOk) return code;
    }
    return kExitOk;
  }
  if (claims.empty()) {
    context.err() << "No claims found." << std::endl;
    return kExitOk;
  }
  context.out() << RenderClaimsTable(claims, context.render_options());
  context.out().flush();
  return kExitOk;
}

int RunList(CommandContext& context, const ListFlags& flags) {
  // Made before the read: see ChangeRows.
  std::unique_ptr<ChangeRows> rows;
  if (flags.watch) rows = std::make_unique<ChangeRows>(context);
  std::vector<v1::Claim> claims;
  PageInfo read;
  const absl::Status status = context.client().ForEachClaim(
      BuildListRequest(flags.filter, PageSize(flags.page_size, flags.limit)),
      flags.limit,
      [&claims](v1::Claim& claim) { claims.push_back(std::move(claim)); },
      &read);
  if (!status.ok()) return context.Fail("list claims", status);
  SortClaims(flags.sort_by, claims);
  if (int code = PrintClaims(context, claims); code != kExitOk || !rows) {
    return code;
  }
  // Pages are read one after another: the watch starts after the first
  // page's revision, and skips a change a later page already showed.
  std::map<std::string, int64_t> shown;
  for (const v1::Claim& claim : claims) shown[claim.name()] = claim.revision();
  v1::WatchClaimsRequest watch =
      BuildWatchRequest(flags.filter, read.first_revision + 1, false);
  watch.set_store_id(read.store_id);
  return rows->Run("list", watch, std::move(shown), /*until_deleted=*/false);
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "list",
    .group = CommandGroup::kBasic,
    .summary = "List claims in ID order; every page is fetched unless --limit",
    .examples = "claimctl list --filter 'status = DENIED' --limit 20\n"
                "claimctl list -o wide --sort-by updated\n"
                "claimctl list -o name | xargs -n1 claimctl get\n"
                "claimctl list -o json | jq .name\n"
                "claimctl list --filter 'status = REPORTED' --watch",
    .notes =
        "-w/--watch prints the list, then one more row (or -o document) per "
        "change of a matching claim, as kubectl does: from the revision the "
        "list was read at, resuming after a lost connection, until Ctrl-C "
        "(exit 0). A deletion prints the claim's last row and says so on "
        "stderr.",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<ListFlags>();
      command.add_option(
          "--filter", flags->filter,
          "filter, e.g. 'status = CONFIRMED AND labels.desk = world'; "
          "fields: name claim_id statement status labels.KEY revision "
          "evidence_count");
      AddPageOptions(&command, "claims", flags->page_size, flags->limit);
      command
          .add_option("--sort-by", flags->sort_by,
                      "id (default), status, revision, evidence, statement, "
                      "created or updated (times and counts: highest first)")
          ->check(CLI::IsMember({"id", "status", "revision", "evidence",
                                 "statement", "created", "updated"}));
      command.add_flag("-w,--watch", flags->watch,
                       "after the list, print a row per change until Ctrl-C");
      return
          [flags](CommandContext& context) { return RunList(context, *flags); };
    },
});

}  // namespace
}  // namespace claimd::client
