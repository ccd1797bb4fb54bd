// claimctl create: a new claim, with optional labels, status and evidence.
#include <CLI/CLI.hpp>
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/flags.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

int RunCreate(CommandContext& context, const CreateFlags& flags) {
  absl::StatusOr<v1::CreateClaimRequest> request = BuildCreateRequest(flags);
  if (!request.ok()) {
    return context.Fail("create", request.status(), UsageHint("create"));
  }
  const std::string what =
      request->claim_id().empty()
          ? std::string("create")
          : absl::StrCat("create claims/", request->claim_id());
  absl::StatusOr<v1::Claim> claim = context.client().CreateClaim(*request);
  if (!claim.ok()) {
    const bool taken =
        claim.status().code() == absl::StatusCode::kAlreadyExists;
    return context.Fail(
        what, claim.status(),
        taken ? "choose another --id"
              : UnknownOutcomeHint(claim.status(), request->request_id()));
  }
  if (context.structured()) return context.PrintMessage(*claim);
  context.PrintLine(absl::StrCat(claim->name(), " created (revision ",
                                 claim->revision(), ")"));
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "create",
    .group = CommandGroup::kBasic,
    .summary = "Create a claim; it starts REPORTED unless --status says "
               "otherwise",
    .description = "With --source, the claim gets its first evidence.",
    .examples = "claimctl create \"Troops crossed the border at dawn\" --id "
                "border --label desk=world --source \"Israel Hayom\" --url "
                "https://example.org/a",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<CreateFlags>();
      command.add_option("STATEMENT", flags->statement, "what is claimed")
          ->required();
      command.add_option(
          "--id", flags->id,
          "claim ID, [a-z0-9][a-z0-9-]{0,62} (default: generated)");
      command
          .add_option("--label", flags->labels,
                      "label KEY=VALUE; repeat for more")
          ->allow_extra_args(false);
      command.add_option("--status", flags->status, "initial status")
          ->check(CLI::IsMember({"reported", "confirmed", "denied"},
                                CLI::ignore_case));
      AddEvidenceOptions(&command, flags->evidence,
                         /*source_required=*/false);
      AddRequestIdOption(&command, flags->request_id);
      return [flags](CommandContext& context) {
        return RunCreate(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
