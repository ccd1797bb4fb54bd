// claimctl delete: deletes a claim; its history stays readable.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/flags.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

struct DeleteFlags {
  std::string id;
  int64_t expected_revision = 0;
  std::string request_id;  // empty: a fresh one
};

int RunDelete(CommandContext& context, const DeleteFlags& flags) {
  absl::StatusOr<v1::DeleteClaimRequest> request =
      BuildDeleteRequest(flags.id, flags.expected_revision, flags.request_id);
  if (!request.ok()) {
    return context.Fail("delete", request.status(), UsageHint("delete"));
  }
  absl::Status status = context.client().DeleteClaim(*request);
  if (!status.ok()) {
    std::string hint = UnknownOutcomeHint(status, request->request_id());
    if (status.code() == absl::StatusCode::kAborted) {
      // The server's message already says to read it again and retry.
      hint = absl::StrCat("`claimctl get ", request->name(),
                          "` shows it as it is now");
    }
    return context.Fail(absl::StrCat("delete ", request->name()), status, hint);
  }
  if (context.structured())
    return context.PrintMessage(google::protobuf::Empty());
  context.PrintLine(absl::StrCat(request->name(), " deleted"));
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "delete",
    .group = CommandGroup::kBasic,
    .summary = "Delete a claim; its history stays readable",
    .examples = "claimctl delete border --expected-revision 12",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<DeleteFlags>();
      command.add_option("ID", flags->id, "claim ID (abc or claims/abc)")
          ->required();
      command
          .add_option("--expected-revision", flags->expected_revision,
                      "delete only if the claim is still at this revision "
                      "(else exit 4)")
          ->check(NotNegative());
      AddRequestIdOption(&command, flags->request_id);
      return [flags](CommandContext& context) {
        return RunDelete(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
