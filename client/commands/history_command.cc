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
    context.err() << "No events found." << std::endl;
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
