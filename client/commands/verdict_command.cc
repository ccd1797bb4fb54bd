// claimctl confirm, deny and report: a verdict on a claim, with its evidence.
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

std::string FailureHint(const absl::Status& status,
                        const v1::UpdateClaimStatusRequest& request) {
  if (status.code() == absl::StatusCode::kAborted) {
    // The server's message already says to read it again and retry.
    return absl::StrCat("`claimctl get ", request.name(),
                        "` shows it as it is now");
  }
  return UnknownOutcomeHint(status, request.request_id());
}

const char* VerdictVerb(v1::VerificationStatus status) {
  switch (status) {
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return "confirm";
    case v1::VERIFICATION_STATUS_DENIED:
      return "deny";
    default:
      return "report";
  }
}

const char* VerdictPastTense(v1::VerificationStatus status) {
  switch (status) {
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return "confirmed";
    case v1::VERIFICATION_STATUS_DENIED:
      return "denied";
    default:
      return "reported";
  }
}

int RunVerdict(CommandContext& context, const VerdictFlags& flags,
               v1::VerificationStatus status) {
  const char* verb = VerdictVerb(status);
  absl::StatusOr<v1::UpdateClaimStatusRequest> request =
      BuildUpdateStatusRequest(flags, status);
  if (!request.ok())
    return context.Fail(verb, request.status(), UsageHint(verb));
  absl::StatusOr<v1::Claim> claim =
      context.client().UpdateClaimStatus(*request);
  if (!claim.ok()) {
    return context.Fail(absl::StrCat(verb, " ", request->name()),
                        claim.status(), FailureHint(claim.status(), *request));
  }
  if (context.structured()) return context.PrintMessage(*claim);
  context.PrintLine(absl::StrCat(claim->name(), " ", VerdictPastTense(status),
                                 " (revision ", claim->revision(), ")"));
  return kExitOk;
}

bool RegisterVerdict(v1::VerificationStatus status, const char* summary) {
  const std::string verb = VerdictVerb(status);
  return RegisterCommand({
      .name = verb,
      .group = CommandGroup::kVerdicts,
      .summary = summary,
      .description = "The same status again only adds the evidence.",
      .examples = absl::StrCat(
          "claimctl ", verb,
          " border --source \"Ukrainian officials\" --quote \"...\" "
          "--expected-revision 12"),
      .setup = [status](CLI::App& command) -> CommandRun {
        auto flags = std::make_shared<VerdictFlags>();
        command.add_option("ID", flags->id, "claim ID (abc or claims/abc)")
            ->required();
        AddEvidenceOptions(&command, flags->evidence,
                           /*source_required=*/true);
        command
            .add_option("--expected-revision", flags->expected_revision,
                        "apply only if the claim is still at this revision "
                        "(else exit 4)")
            ->check(NotNegative());
        AddRequestIdOption(&command, flags->request_id);
        return [flags, status](CommandContext& context) {
          return RunVerdict(context, *flags, status);
        };
      },
  });
}

[[maybe_unused]] const bool kConfirm =
    RegisterVerdict(v1::VERIFICATION_STATUS_CONFIRMED,
                    "Mark a claim CONFIRMED, with the evidence for it");
[[maybe_unused]] const bool kDeny =
    RegisterVerdict(v1::VERIFICATION_STATUS_DENIED,
                    "Mark a claim DENIED, with the evidence for it");
[[maybe_unused]] const bool kReport = RegisterVerdict(
    v1::VERIFICATION_STATUS_REPORTED,
    "Mark a claim REPORTED (made, not verified), with the evidence");

}  // namespace
}  // namespace claimd::client
