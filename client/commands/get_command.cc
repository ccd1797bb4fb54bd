// claimctl get: one claim and its evidence.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

int RunGet(CommandContext& context, const std::string& id) {
  absl::StatusOr<v1::GetClaimRequest> request = BuildGetRequest(id);
  if (!request.ok())
    return context.Fail("get", request.status(), UsageHint("get"));
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
    .examples = "claimctl get border\nclaimctl get claims/border -o json",
    .setup = [](CLI::App& command) -> CommandRun {
      auto id = std::make_shared<std::string>();
      command.add_option("ID", *id, "claim ID (abc or claims/abc)")->required();
      return [id](CommandContext& context) { return RunGet(context, *id); };
    },
});

}  // namespace
}  // namespace claimd::client
