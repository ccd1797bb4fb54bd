// RunTop: the UI loop of `claimctl top`. The UI thread owns the model and the
// terminal; the network runs on TopFeed's threads (top_feed.h) and reaches the
// UI only through TopFeed::Drain, once per frame.
#include "client/commands/top_command.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/clock.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"
#include "client/commands/watch_command.h"
#include "client/top/top_feed.h"
#include "client/top/top_keys.h"
#include "client/top/top_model.h"
#include "client/top/top_screen.h"
#include "client/top/top_terminal.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

// How long a frame waits for a key: updates show within this much.
constexpr absl::Duration kFrame = absl::Milliseconds(150);

// Applies one update from the feed to the model and the view.
void Apply(TopUpdate& update, TopModel& model, TopViewState& view) {
  if (auto* event = std::get_if<TopEvent>(&update)) {
    model.ApplyEvent(event->event, absl::Now());
  } else if (auto* left = std::get_if<TopLeftFilter>(&update)) {
    model.ApplyLeftFilter(left->event, absl::Now());
  } else if (auto* progress = std::get_if<TopProgress>(&update)) {
    model.SetLive(progress->revision);
  } else if (auto* done = std::get_if<TopSnapshotDone>(&update)) {
    model.SetSnapshotComplete(done->revision);
  } else if (auto* reconnecting = std::get_if<TopReconnecting>(&update)) {
    model.SetReconnecting(reconnecting->cause, reconnecting->from_revision,
                          reconnecting->retry_at);
  } else if (auto* reset = std::get_if<TopStoreReset>(&update)) {
    model.SetStoreReset(reset->cause);
  } else if (auto* ended = std::get_if<TopEnded>(&update)) {
    if (!ended->status.ok()) model.SetFailed(ended->status);
  } else if (auto* history = std::get_if<TopHistory>(&update)) {
    if (view.mode != TopMode::kHistory || view.history_name != history->name) {
      return;  // the user has moved on
    }
    view.history_loading = false;
    if (history->events.ok()) {
      view.history = *std::move(history->events);
    } else {
      view.history_error = ErrorLine(absl::StrCat("history of ", history->name),
                                     history->events.status(), "");
    }
  }
}

absl::StatusOr<std::vector<v1::ClaimEvent>> ReadHistory(
    ClaimClient& client, const std::string& name) {
  v1::ListClaimEventsRequest request;
  request.set_parent(name);
  std::vector<v1::ClaimEvent> events;
  absl::Status status = client.ForEachEvent(
      request, /*limit=*/0,
      [&events](v1::ClaimEvent& event) { events.push_back(std::move(event)); });
  if (!status.ok()) return status;
  return events;
}

int RunLines(CommandContext& context, const TopFlags& flags,
             const std::string& why) {
  context.err() << "claimctl top: " << why
                << "; printing the claims and every change as lines instead "
                   "(Ctrl-C stops; `claimctl watch` is the command for scripts)"
                << std::endl;
  WatchFlags watch;
  watch.filter = flags.filter;
  watch.snapshot = true;
  return RunWatch(context, watch);
}

}  // namespace

std::string FullScreenUnavailable(const CliEnvironment& env) {
  if (!env.stdout_tty) return "stdout is not a terminal";
  if (!env.stdin_tty) return "stdin is not a terminal, so keys cannot be read";
  if (env.term.empty()) return "TERM is not set";
  if (env.term == "dumb") return "TERM is dumb (no cursor addressing)";
  return "";
}

int RunTop(CommandContext& context, const TopFlags& flags) {
  const CliEnvironment& env = context.env();
  std::string why = FullScreenUnavailable(env);
  if (!why.empty()) return RunLines(context, flags, why);

  // Before any other thread exists: Open sets the locale.
  std::unique_ptr<CursesTerminal> terminal =
      CursesTerminal::Open(env.color, &why);
  if (terminal == nullptr) return RunLines(context, flags, why);

  // Signals are routed to a flag before gRPC starts its threads.
  std::atomic<bool> interrupted{false};
  std::shared_ptr<void> interrupt_guard;
  if (env.on_interrupt) {
    interrupt_guard = env.on_interrupt([&interrupted] { interrupted = true; });
  }
  // One channel; a client per thread (ClaimClient is thread-compatible).
  ClaimClientOptions options = env.client_options;
  options.timeout = context.flags().timeout;
  std::shared_ptr<ClaimStub> stub =
      env.make_stub(context.flags().server, context.flags().security,
                    context.flags().channel);
  ClaimClient watch_client(stub, options);
  ClaimClient history_client(stub, options);

  TopModel model(context.flags().server, flags.filter);
  TopViewState view;
  TopFeed feed(
      [&watch_client](const v1::WatchClaimsRequest& request) {
        return watch_client.WatchClaims(request);
      },
      [&history_client](const std::string& name) {
        return ReadHistory(history_client, name);
      },
      context.watch_options(), flags.filter);

  while (!interrupted) {
    for (TopUpdate& update : feed.Drain()) Apply(update, model, view);
    const TopScreenSize size{.rows = terminal->rows(),
                             .cols = terminal->cols(),
                             .now = absl::Now(),
                             .color = terminal->color()};
    terminal->Paint(RenderTopScreen(model, view, size));
    const TopKeyPress key = terminal->ReadKey(kFrame);
    if (key.key == TopKey::kRepaint) terminal->Repaint();
    if (key.key == TopKey::kNone || key.key == TopKey::kResize ||
        key.key == TopKey::kRepaint) {
      continue;
    }
    TopAction action =
        HandleTopKey(key, model, view, TableRows(terminal->rows()));
    if (action.quit) break;
    if (action.restart_watch) feed.Restart(model.filter());
    if (action.fetch_history && !feed.FetchHistory(action.name)) {
      view.history_loading = false;
      view.history_error =
          "an earlier history read is still running; go back and try again";
    }
  }
  // The terminal is restored first; then the feed stops (its destructor).
  terminal.reset();
  if (model.state() == ConnectionState::kFailed) {
    return context.Fail("top", model.last_error());
  }
  return kExitOk;
}

namespace {

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "top",
    .group = CommandGroup::kMonitoring,
    .summary = "Live full-screen table of claims, updated by one watch stream",
    .description =
        "Status counts, events per second, connection state. Reconnects and "
        "resumes after a lost connection, so no change is missed or shown "
        "twice.",
    .examples = "claimctl top\n"
                "claimctl top --filter 'status = REPORTED AND labels.desk = "
                "world'",
    .notes =
        "Keys: up/down or j/k move, PgUp/PgDn page, Enter shows the selected "
        "claim's history (q or Esc goes back), / edits the filter (Enter "
        "applies, Esc cancels), s cycles the sort (recent, id, status, "
        "evidence), Ctrl-L redraws the screen, q quits.\n"
        "Without a terminal (stdout or stdin not a terminal, TERM unset or "
        "dumb) it says why on stderr and prints the claims and every change "
        "as lines, like `claimctl watch --snapshot`. NO_COLOR turns colours "
        "off. A claim that a change takes out of the filter leaves the "
        "table with that change.",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<TopFlags>();
      command.add_option("--filter", flags->filter,
                         "only matching claims (same syntax as list); `/` "
                         "changes it while running");
      return
          [flags](CommandContext& context) { return RunTop(context, *flags); };
    },
});

}  // namespace
}  // namespace claimd::client
