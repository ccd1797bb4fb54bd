// RunExport: every matching claim, page by page through the client's pager,
// as JSON Lines on stdout.
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
  int64_t count = 0;
  int print_failure = kExitOk;  // the first claim that could not be printed
  const absl::Status status = context.client().ForEachClaim(
      BuildListRequest(flags.filter, kExportPageSize), /*limit=*/0,
      [&](v1::Claim& claim) {
        if (print_failure != kExitOk) return;
        if (claim_review) {
          context.PrintLine(ClaimReviewJson(claim));
        } else if (int code = context.PrintJson(claim); code != kExitOk) {
          print_failure = code;
          return;
        }
        ++count;
      });
  if (print_failure != kExitOk) return print_failure;
  if (!status.ok()) {
    return context.Fail(
        "export", status,
        count == 0 ? ""
                   : absl::StrCat("stopped after ", count,
                                  " claims; the output is incomplete"));
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
