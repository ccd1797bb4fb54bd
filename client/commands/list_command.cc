// claimctl list: claims in ID order, every page through the client's pager.
#include <CLI/CLI.hpp>
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
  int64_t limit = 0;  // 0: every page
};

int RunList(CommandContext& context, const ListFlags& flags) {
  std::vector<v1::Claim> claims;
  const absl::Status status = context.client().ForEachClaim(
      BuildListRequest(flags.filter, PageSize(flags.page_size, flags.limit)),
      flags.limit,
      [&claims](v1::Claim& claim) { claims.push_back(std::move(claim)); });
  if (!status.ok()) return context.Fail("list claims", status);
  if (context.json()) {
    for (const v1::Claim& claim : claims) {
      if (int code = context.PrintJson(claim); code != kExitOk) return code;
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
                "claimctl list -o json | jq .name",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<ListFlags>();
      command.add_option(
          "--filter", flags->filter,
          "filter, e.g. 'status = CONFIRMED AND labels.desk = world'; "
          "fields: name claim_id statement status labels.KEY revision "
          "evidence_count");
      AddPageOptions(&command, "claims", flags->page_size, flags->limit);
      return
          [flags](CommandContext& context) { return RunList(context, *flags); };
    },
});

}  // namespace
}  // namespace claimd::client
