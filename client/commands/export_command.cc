// RunExport: every matching claim, page by page, as JSON Lines on stdout.
#include "client/commands/export_command.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/formats/claim_review.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr int32_t kExportPageSize = 500;

}  // namespace

int RunExport(CommandContext& context, const ExportFlags& flags) {
  const bool claim_review = flags.format == "claimreview";
  v1::ListClaimsRequest request =
      BuildListRequest(flags.filter, kExportPageSize);
  int64_t count = 0;
  while (true) {
    absl::StatusOr<v1::ListClaimsResponse> page =
        context.client().ListClaims(request);
    if (!page.ok()) {
      return context.Fail(
          "export", page.status(),
          count == 0 ? ""
                     : absl::StrCat("stopped after ", count,
                                    " claims; the output is incomplete"));
    }
    for (const v1::Claim& claim : page->claims()) {
      if (claim_review) {
        context.PrintLine(ClaimReviewJson(claim));
      } else if (int code = context.PrintJson(claim); code != kExitOk) {
        return code;
      }
      ++count;
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  context.err() << "claimctl: exported " << count
                << (count == 1 ? " claim" : " claims") << std::endl;
  return kExitOk;
}

namespace {

// Registration (moved here from monitor_commands.cc unchanged in its text).
[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "export",
    .group = CommandGroup::kBulk,
    .summary = "Write every claim (or those matching --filter) to stdout as "
               "JSON Lines, for `claimctl import` or other tools",
    .examples = "claimctl export > claims.jsonl\n"
                "claimctl export --filter 'status = DENIED' --format "
                "claimreview > reviews.jsonl\n"
                "claimctl export | claimctl --server other:50051 import -",
    .notes = "The count of exported claims goes to stderr. Claims are read "
             "page by page (by id); a claim changed during the export "
             "appears as it was when its page was read.",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<ExportFlags>();
      command.add_option("--filter", flags->filter,
                         "only matching claims (same syntax as list)");
      command
          .add_option("--format", flags->format,
                      "jsonl: claims.v1.Claim in the proto JSON mapping, "
                      "with all evidence; claimreview: one schema.org "
                      "ClaimReview per claim (see README for the mapping)")
          ->check(CLI::IsMember({"jsonl", "claimreview"}))
          ->capture_default_str();
      return [flags](CommandContext& context) {
        return RunExport(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
