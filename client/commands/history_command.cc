// claimctl history: the audit history of one claim, or of all claims.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/errors.h"
#include "client/cli/flags.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

struct HistoryFlags {
  std::string id;  // empty: every claim
  int32_t page_size = 0;
  int64_t limit = 0;
};

int RunHistory(CommandContext& context, const HistoryFlags& flags) {
  absl::StatusOr<v1::ListClaimEventsRequest> request =
      BuildHistoryRequest(flags.id, PageSize(flags.page_size, flags.limit));
  if (!request.ok()) {
    return context.Fail("history", request.status(), UsageHint("history"));
  }
  std::vector<v1::ClaimEvent> events;
  const absl::Status status = context.client().ForEachEvent(
      *request, flags.limit,
      [&events](v1::ClaimEvent& event) { events.push_back(std::move(event)); });
  if (!status.ok()) {
    return context.Fail(absl::StrCat("history of ", request->parent()), status);
  }
  if (context.structured()) {
    for (const v1::ClaimEvent& event : events) {
      if (int code = context.PrintMessage(event); code != kExitOk) return code;
    }
    return kExitOk;
  }
  if (events.empty()) {
    if (flags.id.empty()) {
      context.err() << "No events found." << std::endl;
      return kExitOk;
    }
    // A claim whose events were all trimmed (--history_retention) is not a
    // claim without history: say which it is.
    v1::GetClaimRequest get;
    get.set_name(request->parent());
    absl::StatusOr<v1::Claim> claim = context.client().GetClaim(get);
    if (claim.ok()) {
      context.err() << "No events found: " << claim->name()
                    << " exists (at revision " << claim->revision()
                    << "), but the server no longer keeps its history "
                       "(--history_retention)."
                    << std::endl;
    } else if (claim.status().code() == absl::StatusCode::kNotFound) {
      context.err() << "No events found: " << request->parent()
                    << " does not exist." << std::endl;
    } else {
      context.err() << "No events found." << std::endl;
    }
    return kExitOk;
  }
  context.out() << RenderHistoryTable(events, flags.id.empty(),
                                      context.render_options());
  context.out().flush();
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "history",
    .group = CommandGroup::kBasic,
    .summary =
        "Show the audit history of one claim, or of all claims without ID",
    .examples = "claimctl history border\nclaimctl history -o json",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<HistoryFlags>();
      command.add_option("ID", flags->id, "claim ID (abc or claims/abc)");
      AddPageOptions(&command, "events", flags->page_size, flags->limit);
      return [flags](CommandContext& context) {
        return RunHistory(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
