#include "client/cli/command_context.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cli/errors.h"

namespace claimd::client {
namespace {

constexpr int32_t kMaxPageSize = 1000;
// With --fail-fast, the first connections a monitor tries before giving up
// (about 1.5 s of backoff).
constexpr int kFailFastAttempts = 3;

}  // namespace

std::string UsageHint(absl::string_view command) {
  return absl::StrCat("see `claimctl ", command, " --help`");
}

int32_t PageSize(int32_t page_size, int64_t limit) {
  if (page_size > 0 || limit <= 0) return page_size;
  return static_cast<int32_t>(std::min<int64_t>(limit, kMaxPageSize));
}

CommandContext::CommandContext(const CliEnvironment& env,
                               const GlobalFlags& flags)
    : env_(env), flags_(flags) {}

ClaimClient& CommandContext::client() {
  if (client_ == nullptr) {
    ClaimClientOptions options = env_.client_options;
    options.timeout = flags_.timeout;
    client_ = std::make_unique<ClaimClient>(
        env_.make_stub(flags_.server, flags_.security, flags_.channel),
        std::move(options));
  }
  return *client_;
}

WatchFollowerOptions CommandContext::watch_options() {
  WatchFollowerOptions options = env_.watch_options;
  if (!options.server_ready) {
    options.server_ready = [this] { return client().ChannelReady(); };
  }
  // A script would rather hear at once that the server is not there.
  if (flags_.fail_fast && options.max_initial_attempts == 0) {
    options.max_initial_attempts = kFailFastAttempts;
  }
  return options;
}

RenderOptions CommandContext::render_options() const {
  return RenderOptions{.color = env_.color,
                       .width = env_.width,
                       .now = env_.now(),
                       .wide = flags_.output == "wide",
                       .no_headers = flags_.no_headers,
                       .zone = flags_.utc || !env_.stdout_tty
                                   ? absl::UTCTimeZone()
                                   : absl::LocalTimeZone()};
}

int CommandContext::PrintMessage(const google::protobuf::Message& message) {
  if (flags_.output == "yaml") {
    out() << "---\n" << RenderYaml(message);
    out().flush();
    return kExitOk;
  }
  if (flags_.output == "name") {
    if (const auto* claim = dynamic_cast<const claims::v1::Claim*>(&message)) {
      PrintLine(claim->name());
    } else if (const auto* event =
                   dynamic_cast<const claims::v1::ClaimEvent*>(&message)) {
      PrintLine(event->claim().name());
    }
    return kExitOk;
  }
  return PrintJson(message);
}

int CommandContext::Fail(absl::string_view what, const absl::Status& status,
                         absl::string_view hint) {
  std::string generic = GenericHint(status, flags_.server, flags_.timeout);
  // A deadline that passed with no connection ready: a longer --timeout
  // would not help (a server that accepts but never answers, such as a
  // stopped process, or a network that drops packets).
  if (status.code() == absl::StatusCode::kDeadlineExceeded &&
      client_ != nullptr && !client_->ChannelReady()) {
    generic =
        absl::StrCat("no connection to ", flags_.server, " was ready within ",
                     absl::FormatDuration(flags_.timeout),
                     ": is the server hung, or the network dropping "
                     "packets? (list several with --server)");
  }
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

}  // namespace claimd::client
