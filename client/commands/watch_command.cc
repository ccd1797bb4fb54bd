#include "client/commands/watch_command.h"

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "claimd/client/watch_follower.h"
#include "client/cli/errors.h"
#include "client/cli/flags.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/render/render.h"
#include "client/render/text.h"

namespace claimd::client {

namespace v1 = ::claims::v1;

namespace {

// Once on_event is set: a change that takes a claim out of the filter is
// printed as any other, then a stderr line says the claim left (the claim
// alone does not tell a reader who cannot evaluate the filter).
void AddLeftFilterNotice(CommandContext& context,
                         WatchFollower::Callbacks& callbacks) {
  callbacks.on_left_filter =
      [&context, on_event = callbacks.on_event](const v1::ClaimEvent& event) {
        if (on_event) on_event(event);
        context.err() << "claimctl: " << Sanitize(event.claim().name())
                      << " no longer matches the filter after revision "
                      << event.revision() << std::endl;
      };
}

}  // namespace

void AddWatchNotices(CommandContext& context,
                     WatchFollower::Callbacks& callbacks) {
  callbacks.on_reconnect = [&context](
                               const absl::Status& cause, int64_t from_revision,
                               absl::Duration delay, bool was_connected) {
    std::string line =
        was_connected ? ErrorLine("connection lost", cause, "reconnecting")
                      : ErrorLine("cannot reach the server", cause, "retrying");
    if (from_revision > 0) {
      absl::StrAppend(&line, " from revision ", from_revision);
    }
    absl::StrAppend(
        &line, " in ",
        absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(100))));
    context.err() << line << std::endl;
  };
  callbacks.on_reset = [&context](const absl::Status& cause) {
    context.err() << ErrorLine("the server's store is not the one watched",
                               cause,
                               "it was restored or replaced; the revisions "
                               "seen so far no longer hold: printing every "
                               "claim as it is now (SNAPSHOT), then changes")
                  << std::endl;
  };
}

ChangeRows::ChangeRows(CommandContext& context)
    : context_(context),
      follower_(
          [&context](const v1::WatchClaimsRequest& next) {
            return context.client().WatchClaims(next);
          },
          context.watch_options()) {
  if (context.env().on_interrupt) {
    interrupt_guard_ = context.env().on_interrupt([this] { follower_.Stop(); });
  }
}

int ChangeRows::Run(absl::string_view what,
                    const v1::WatchClaimsRequest& request,
                    std::map<std::string, int64_t> shown, bool until_deleted) {
  WatchFollower::Callbacks callbacks;
  AddWatchNotices(context_, callbacks);
  // After a store reset the follower prints the state anew (SNAPSHOT): what
  // the read showed no longer says what is already on screen.
  const auto on_reset = callbacks.on_reset;
  callbacks.on_reset = [&shown, on_reset](const absl::Status& cause) {
    shown.clear();
    on_reset(cause);
  };
  int code = kExitOk;
  callbacks.on_event = [&](const v1::ClaimEvent& event) {
    if (auto it = shown.find(event.claim().name());
        it != shown.end() && event.revision() <= it->second) {
      return;
    }
    if (context_.structured()) {
      code = context_.PrintMessage(event.claim());
    } else {
      RenderOptions options = context_.render_options();
      options.no_headers = true;
      context_.out() << RenderClaimsTable({event.claim()}, options);
      context_.out().flush();
    }
    if (event.type() == v1::EVENT_TYPE_DELETED) {
      context_.err() << "claimctl: " << Sanitize(event.claim().name())
                     << " deleted at revision " << event.revision()
                     << std::endl;
      if (until_deleted) follower_.Stop();
    }
    if (code != kExitOk) follower_.Stop();
  };
  AddLeftFilterNotice(context_, callbacks);
  const absl::Status status = follower_.Run(request, callbacks);
  if (code != kExitOk) return code;
  if (status.ok()) return kExitOk;
  if (status.code() == absl::StatusCode::kOutOfRange) {
    return context_.Fail(absl::StrCat(what, " --watch"), status,
                         "run the command again to read the current state");
  }
  return context_.Fail(absl::StrCat(what, " --watch"), status);
}

int RunWatch(CommandContext& context, const WatchFlags& flags) {
  const v1::WatchClaimsRequest request = BuildWatchRequest(
      flags.filter, flags.from_revision, flags.snapshot || flags.once);
  WatchFollower follower(
      [&context](const v1::WatchClaimsRequest& next) {
        return context.client().WatchClaims(next);
      },
      context.watch_options());
  // Signals are blocked before the channel exists, so gRPC's threads inherit
  // it.
  std::shared_ptr<void> interrupt_guard;
  if (context.env().on_interrupt) {
    interrupt_guard =
        context.env().on_interrupt([&follower] { follower.Stop(); });
  }
  context.client();

  WatchFollower::Callbacks callbacks;
  callbacks.on_event = [&context](const v1::ClaimEvent& event) {
    if (context.structured()) {
      context.PrintMessage(event);
      return;
    }
    context.out() << RenderEventLine(event, context.render_options());
    context.out().flush();
  };
  AddWatchNotices(context, callbacks);
  AddLeftFilterNotice(context, callbacks);
  callbacks.on_snapshot_complete = [&context, &flags,
                                    &follower](int64_t revision) {
    if (flags.once) {
      context.err() << "claimctl: snapshot complete at revision " << revision
                    << "; resume with `claimctl watch --from-revision "
                    << revision + 1 << "`" << std::endl;
      follower.Stop();
      return;
    }
    context.err() << "claimctl: snapshot complete at revision " << revision
                  << "; watching for changes" << std::endl;
  };

  const absl::Status status = follower.Run(request, callbacks);
  if (status.ok()) return kExitOk;
  if (status.code() == absl::StatusCode::kOutOfRange) {
    return context.Fail(
        "watch", status,
        "run `claimctl watch --snapshot` to start from the current state");
  }
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    // --from-revision beyond this store's revision, or another store: the
    // server's own advice names the API field (initial_snapshot).
    return context.Fail(
        "watch", status,
        "run `claimctl watch --snapshot` to read the current state");
  }
  return context.Fail("watch", status);
}

namespace {

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "watch",
    .group = CommandGroup::kMonitoring,
    .summary = "Print every change as it happens, until Ctrl-C",
    .description =
        "Reconnects after a lost connection and resumes where it stopped: no "
        "change is printed twice or missed.",
    .examples = "claimctl watch --filter 'labels.desk = world'\n"
                "claimctl watch --snapshot -o json | jq -c '{rev: .revision, "
                "name: .claim.name}'\n"
                "claimctl watch --once -o json > state.jsonl",
    .notes =
        "-o json prints one ClaimEvent per line, flushed as it arrives. On a "
        "lost connection the watch reconnects (exponential backoff with "
        "jitter, capped at 30s; at most 2s after a server that answered "
        "UNAVAILABLE, such as a replica cut off from its store; within about "
        "7s of the return of a server that could not be reached) and resumes "
        "after the last revision printed, on another replica if --server "
        "names several. A server that is not "
        "up yet is waited for the same way (--fail-fast gives up instead). "
        "When the server no longer keeps that history (OUT_OF_RANGE) it "
        "exits 1 and says to re-snapshot with --snapshot. When the server's "
        "store was restored from a backup it says so and prints the current "
        "state (SNAPSHOT) before the changes that follow.",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<WatchFlags>();
      command.add_option("--filter", flags->filter,
                         "only changes of matching claims (same syntax as "
                         "list); the change that takes a claim out of the "
                         "filter is printed too, and said so on stderr");
      CLI::Option* from =
          command
              .add_option("--from-revision", flags->from_revision,
                          "start with the change at this revision "
                          "(default: from now on)")
              ->check(NotNegative());
      command
          .add_flag("--snapshot", flags->snapshot,
                    "first print every matching claim as it is now "
                    "(SNAPSHOT)")
          ->excludes(from);
      command
          .add_flag("--once", flags->once,
                    "print the snapshot (every matching claim) and exit")
          ->excludes(from);
      return [flags](CommandContext& context) {
        return RunWatch(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
