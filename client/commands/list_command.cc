// claimctl list: claims in ID order, every page through the client's pager.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/cli/errors.h"
#include "client/cli/flags.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

struct ListFlags {
  std::string filter;
  int32_t page_size = 0;
  int64_t limit = 0;    // 0: every page
  std::string sort_by;  // "" keeps the server's order (by ID)
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

int RunList(CommandContext& context, const ListFlags& flags) {
  std::vector<v1::Claim> claims;
  const absl::Status status = context.client().ForEachClaim(
      BuildListRequest(flags.filter, PageSize(flags.page_size, flags.limit)),
      flags.limit,
      [&claims](v1::Claim& claim) { claims.push_back(std::move(claim)); });
  if (!status.ok()) return context.Fail("list claims", status);
  SortClaims(flags.sort_by, claims);
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

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "list",
    .group = CommandGroup::kBasic,
    .summary = "List claims in ID order; every page is fetched unless --limit",
    .examples = "claimctl list --filter 'status = DENIED' --limit 20\n"
                "claimctl list -o wide --sort-by updated\n"
                "claimctl list -o name | xargs -n1 claimctl get\n"
                "claimctl list -o json | jq .name",
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
      return
          [flags](CommandContext& context) { return RunList(context, *flags); };
    },
});

}  // namespace
}  // namespace claimd::client
