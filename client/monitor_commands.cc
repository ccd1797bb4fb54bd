#include "client/monitor_commands.h"

#include <CLI/CLI.hpp>
#include <memory>

namespace claimd::client {

std::vector<AddedCommand> AddMonitorCommands(CLI::App& app) {
  std::vector<AddedCommand> added;

  auto top_flags = std::make_shared<TopFlags>();
  CLI::App* top = app.add_subcommand(
      "top",
      "Live full-screen table of claims, updated by one watch stream: status "
      "counts, events per second, connection state. Reconnects and resumes "
      "after a lost connection, so no change is missed or shown twice.");
  top->add_option("--filter", top_flags->filter,
                  "only matching claims (same syntax as list); `/` changes "
                  "it while running");
  top->footer(
      "Example:\n  claimctl top\n"
      "  claimctl top --filter 'status = REPORTED AND labels.desk = world'\n\n"
      "Keys: up/down or j/k move, PgUp/PgDn page, Enter shows the selected "
      "claim's history (q or Esc goes back), / edits the filter (Enter "
      "applies, Esc cancels), s cycles the sort (recent, id, status, "
      "evidence), q quits.\n"
      "Without a terminal (stdout or stdin not a terminal, TERM unset or "
      "dumb) it says why on stderr and prints the claims and every change as "
      "lines, like `claimctl watch --snapshot`. NO_COLOR turns colours off. "
      "A claim that leaves the filter keeps its row, with its new state, "
      "until the filter is applied again.");
  added.push_back({top, [top_flags](CommandContext& context) {
                     return RunTop(context, *top_flags);
                   }});

  auto export_flags = std::make_shared<ExportFlags>();
  CLI::App* export_command = app.add_subcommand(
      "export",
      "Write every claim (or those matching --filter) to stdout as JSON "
      "Lines, for `claimctl import` or other tools.");
  export_command->add_option("--filter", export_flags->filter,
                             "only matching claims (same syntax as list)");
  export_command
      ->add_option("--format", export_flags->format,
                   "jsonl: claims.v1.Claim in the proto JSON mapping, with "
                   "all evidence; claimreview: one schema.org ClaimReview per "
                   "claim (see README for the mapping)")
      ->check(CLI::IsMember({"jsonl", "claimreview"}))
      ->capture_default_str();
  export_command->footer(
      "Example:\n  claimctl export > claims.jsonl\n"
      "  claimctl export --filter 'status = DENIED' --format claimreview > "
      "reviews.jsonl\n"
      "  claimctl export | claimctl --server other:50051 import -\n\n"
      "The count of exported claims goes to stderr. Claims are read page by "
      "page (by id); a claim changed during the export appears as it was "
      "when its page was read.");
  added.push_back({export_command, [export_flags](CommandContext& context) {
                     return RunExport(context, *export_flags);
                   }});
  return added;
}

}  // namespace claimd::client
