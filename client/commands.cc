#include "client/commands.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/errors.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr int32_t kMaxPageSize = 1000;

std::string UsageHint(absl::string_view command) {
  return absl::StrCat("see `claimctl ", command, " --help`");
}

std::string ConflictHint(const absl::Status& status, absl::string_view name) {
  if (status.code() == absl::StatusCode::kAborted) {
    return absl::StrCat("the claim changed; run `claimctl get ", name,
                        "` and retry with its revision");
  }
  return "";
}

// The page size to ask for: the user's, or just enough for --limit.
int32_t PageSize(int32_t page_size, int64_t limit) {
  if (page_size > 0 || limit <= 0) return page_size;
  return static_cast<int32_t>(std::min<int64_t>(limit, kMaxPageSize));
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

}  // namespace

CommandContext::CommandContext(const CliEnvironment& env,
                               const GlobalFlags& flags)
    : env_(env), flags_(flags) {}

ClaimClient& CommandContext::client() {
  if (client_ == nullptr) {
    ClaimClientOptions options = env_.client_options;
    options.timeout = flags_.timeout;
    client_ = std::make_unique<ClaimClient>(
        env_.make_stub(flags_.server, flags_.security), std::move(options));
  }
  return *client_;
}

RenderOptions CommandContext::render_options() const {
  return RenderOptions{
      .color = env_.color, .width = env_.width, .now = env_.now()};
}

int CommandContext::Fail(absl::string_view what, const absl::Status& status,
                         absl::string_view hint) {
  const std::string generic =
      GenericHint(status, flags_.server, flags_.timeout);
  err() << ErrorLine(what, status, hint.empty() ? generic : hint) << std::endl;
  return ExitCodeFor(status);
}

void CommandContext::PrintLine(absl::string_view message) {
  out() << message << '\n';
  out().flush();
}

int CommandContext::PrintJson(const google::protobuf::Message& message) {
  absl::StatusOr<std::string> json = RenderJson(message);
  if (!json.ok()) return Fail("print JSON", json.status());
  PrintLine(*json);
  return kExitOk;
}

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
    return context.Fail(what, claim.status(),
                        taken ? "choose another --id" : "");
  }
  if (context.json()) return context.PrintJson(*claim);
  context.PrintLine(absl::StrCat(claim->name(), " created (revision ",
                                 claim->revision(), ")"));
  return kExitOk;
}

int RunGet(CommandContext& context, const std::string& id) {
  absl::StatusOr<v1::GetClaimRequest> request = BuildGetRequest(id);
  if (!request.ok())
    return context.Fail("get", request.status(), UsageHint("get"));
  absl::StatusOr<v1::Claim> claim = context.client().GetClaim(*request);
  if (!claim.ok()) {
    return context.Fail(absl::StrCat("get ", request->name()), claim.status());
  }
  if (context.json()) return context.PrintJson(*claim);
  context.out() << RenderClaimDetail(*claim, context.render_options());
  context.out().flush();
  return kExitOk;
}

int RunList(CommandContext& context, const ListFlags& flags) {
  v1::ListClaimsRequest request =
      BuildListRequest(flags.filter, PageSize(flags.page_size, flags.limit));
  std::vector<v1::Claim> claims;
  auto full = [&] {
    return flags.limit > 0 &&
           static_cast<int64_t>(claims.size()) >= flags.limit;
  };
  while (true) {
    absl::StatusOr<v1::ListClaimsResponse> page =
        context.client().ListClaims(request);
    if (!page.ok()) return context.Fail("list claims", page.status());
    for (v1::Claim& claim : *page->mutable_claims()) {
      if (full()) break;
      claims.push_back(std::move(claim));
    }
    if (full() || page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  if (context.json()) {
    for (const v1::Claim& claim : claims) {
      if (int code = context.PrintJson(claim); code != kExitOk) return code;
    }
    return kExitOk;
  }
  if (claims.empty()) {
    context.err() << "No claims found." << std::endl;
    return kExitOk;
  }
  context.out() << RenderClaimsTable(claims, context.render_options());
  context.out().flush();
  return kExitOk;
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
                        claim.status(),
                        ConflictHint(claim.status(), request->name()));
  }
  if (context.json()) return context.PrintJson(*claim);
  context.PrintLine(absl::StrCat(claim->name(), " ", VerdictPastTense(status),
                                 " (revision ", claim->revision(), ")"));
  return kExitOk;
}

int RunDelete(CommandContext& context, const std::string& id,
              int64_t expected_revision) {
  absl::StatusOr<v1::DeleteClaimRequest> request =
      BuildDeleteRequest(id, expected_revision);
  if (!request.ok()) {
    return context.Fail("delete", request.status(), UsageHint("delete"));
  }
  absl::Status status = context.client().DeleteClaim(*request);
  if (!status.ok()) {
    return context.Fail(absl::StrCat("delete ", request->name()), status,
                        ConflictHint(status, request->name()));
  }
  if (context.json()) return context.PrintJson(google::protobuf::Empty());
  context.PrintLine(absl::StrCat(request->name(), " deleted"));
  return kExitOk;
}

int RunHistory(CommandContext& context, const HistoryFlags& flags) {
  absl::StatusOr<v1::ListClaimEventsRequest> request =
      BuildHistoryRequest(flags.id, PageSize(flags.page_size, flags.limit));
  if (!request.ok()) {
    return context.Fail("history", request.status(), UsageHint("history"));
  }
  const std::string what = absl::StrCat("history of ", request->parent());
  std::vector<v1::ClaimEvent> events;
  auto full = [&] {
    return flags.limit > 0 &&
           static_cast<int64_t>(events.size()) >= flags.limit;
  };
  while (true) {
    absl::StatusOr<v1::ListClaimEventsResponse> page =
        context.client().ListClaimEvents(*request);
    if (!page.ok()) return context.Fail(what, page.status());
    for (v1::ClaimEvent& event : *page->mutable_events()) {
      if (full()) break;
      events.push_back(std::move(event));
    }
    if (full() || page->next_page_token().empty()) break;
    request->set_page_token(page->next_page_token());
  }
  if (context.json()) {
    for (const v1::ClaimEvent& event : events) {
      if (int code = context.PrintJson(event); code != kExitOk) return code;
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

int RunWatch(CommandContext& context, const WatchFlags& flags) {
  const v1::WatchClaimsRequest request = BuildWatchRequest(
      flags.filter, flags.from_revision, flags.snapshot || flags.once);
  WatchFollower follower(
      [&context](const v1::WatchClaimsRequest& next) {
        return context.client().WatchClaims(next);
      },
      context.env().watch_options);
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
    if (context.json()) {
      context.PrintJson(event);
      return;
    }
    context.out() << RenderEventLine(event, context.render_options());
    context.out().flush();
  };
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
  return context.Fail("watch", status);
}

}  // namespace claimd::client
