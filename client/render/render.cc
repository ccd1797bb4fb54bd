#include "client/render/render.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/render/text.h"
#include "google/protobuf/util/json_util.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr size_t kEventStatementWidth = 60;
// On a narrow terminal a statement still shows this much, even if the line
// wraps.
constexpr size_t kMinEventStatementWidth = 16;
constexpr absl::string_view kClaimPrefix = "claims/";

std::string StyledStatus(v1::VerificationStatus status, bool color) {
  std::string name = StatusName(status);
  switch (status) {
    case v1::VERIFICATION_STATUS_REPORTED:
      return Colored(name, kYellow, color);
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return Colored(name, kGreen, color);
    case v1::VERIFICATION_STATUS_DENIED:
      return Colored(name, kRed, color);
    default:
      return name;
  }
}

// The evidence the event recorded, or null (snapshots and deletions record
// none).
const v1::Evidence* EvidenceOf(const v1::ClaimEvent& event) {
  if (event.type() == v1::EVENT_TYPE_SNAPSHOT ||
      event.type() == v1::EVENT_TYPE_DELETED) {
    return nullptr;
  }
  const auto& evidence = event.claim().evidence();
  for (int i = evidence.size() - 1; i >= 0; --i) {
    if (evidence[i].revision() == event.revision()) return &evidence[i];
  }
  if ((event.type() == v1::EVENT_TYPE_STATUS_CHANGED ||
       event.type() == v1::EVENT_TYPE_EVIDENCE_ADDED) &&
      !evidence.empty()) {
    return &evidence[evidence.size() - 1];
  }
  return nullptr;
}

// "REPORTED -> CONFIRMED" for a change of status, else the status after the
// event.
Cell StatusChange(const v1::ClaimEvent& event, bool color) {
  const v1::VerificationStatus now = event.claim().status();
  const v1::VerificationStatus before = event.previous_status();
  if (event.type() == v1::EVENT_TYPE_STATUS_CHANGED &&
      before != v1::VERIFICATION_STATUS_UNSPECIFIED && before != now) {
    return Cell(absl::StrCat(StatusName(before), " -> ", StatusName(now)),
                absl::StrCat(StyledStatus(before, color), " -> ",
                             StyledStatus(now, color)));
  }
  return Cell(StatusName(now), StyledStatus(now, color));
}

// `text` sanitized, with its continuation lines indented by `indent` spaces.
std::string Indented(absl::string_view text, size_t indent) {
  return absl::StrReplaceAll(Sanitize(text, /*keep_newlines=*/true),
                             {{"\n", "\n" + std::string(indent, ' ')}});
}

}  // namespace

bool ShouldUseColor(bool stdout_is_tty, const char* no_color_env) {
  return stdout_is_tty && (no_color_env == nullptr || *no_color_env == '\0');
}

std::string StatusName(v1::VerificationStatus status) {
  switch (status) {
    case v1::VERIFICATION_STATUS_REPORTED:
      return "REPORTED";
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return "CONFIRMED";
    case v1::VERIFICATION_STATUS_DENIED:
      return "DENIED";
    default:
      return "UNSPECIFIED";
  }
}

std::string EventTypeName(v1::EventType type) {
  switch (type) {
    case v1::EVENT_TYPE_CREATED:
      return "CREATED";
    case v1::EVENT_TYPE_STATUS_CHANGED:
      return "STATUS_CHANGED";
    case v1::EVENT_TYPE_EVIDENCE_ADDED:
      return "EVIDENCE_ADDED";
    case v1::EVENT_TYPE_DELETED:
      return "DELETED";
    case v1::EVENT_TYPE_SNAPSHOT:
      return "SNAPSHOT";
    default:
      return "UNSPECIFIED";
  }
}

std::string ClaimIdOf(absl::string_view name) {
  if (absl::StartsWith(name, kClaimPrefix))
    name.remove_prefix(kClaimPrefix.size());
  return Sanitize(name);
}

std::string FormatAge(absl::Duration age) {
  const int64_t seconds = std::max<int64_t>(absl::ToInt64Seconds(age), 0);
  if (seconds < 120) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 120) return absl::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 48) return absl::StrCat(hours, "h");
  const int64_t days = hours / 24;
  constexpr int64_t kDaysPerYear = 365;
  if (days < 2 * kDaysPerYear) return absl::StrCat(days, "d");
  return absl::StrCat(days / kDaysPerYear, "y");
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

std::string RenderClaimsTable(const std::vector<v1::Claim>& claims,
                              const RenderOptions& options) {
  TextTable table({"ID", "STATUS", "REV", "EVIDENCE", "AGE", "STATEMENT"});
  for (const v1::Claim& claim : claims) {
    const bool has_created =
        claim.has_create_time() && (claim.create_time().seconds() != 0 ||
                                    claim.create_time().nanos() != 0);
    const std::string age =
        has_created
            ? FormatAge(options.now -
                        absl::FromUnixSeconds(claim.create_time().seconds()))
            : "-";
    table.AddRow({ClaimIdOf(claim.name()),
                  Cell(StatusName(claim.status()),
                       StyledStatus(claim.status(), options.color)),
                  absl::StrCat(claim.revision()),
                  absl::StrCat(claim.evidence_size()), age,
                  Sanitize(claim.statement())});
  }
  return table.Render(options.width);
}

std::string RenderClaimDetail(const v1::Claim& claim,
                              const RenderOptions& options) {
  constexpr size_t kValueColumn = 13;
  auto field = [](absl::string_view label) {
    std::string padded = label.empty() ? "" : absl::StrCat(label, ":");
    padded.resize(kValueColumn, ' ');
    return padded;
  };
  std::string out;
  absl::StrAppend(&out, field("Name"), Sanitize(claim.name()), "\n");
  absl::StrAppend(&out, field("Statement"),
                  Indented(claim.statement(), kValueColumn), "\n");
  absl::StrAppend(&out, field("Status"),
                  StyledStatus(claim.status(), options.color), "\n");
  absl::StrAppend(&out, field("Revision"), claim.revision(), "\n");
  absl::StrAppend(&out, field("Created"), FormatTimestamp(claim.create_time()),
                  " (revision ", claim.create_revision(), ")\n");
  absl::StrAppend(&out, field("Updated"), FormatTimestamp(claim.update_time()),
                  "\n");

  std::vector<std::pair<std::string, std::string>> labels(
      claim.labels().begin(), claim.labels().end());
  std::sort(labels.begin(), labels.end());
  if (labels.empty()) absl::StrAppend(&out, field("Labels"), "<none>\n");
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? field("Labels") : field(""),
                    Sanitize(labels[i].first), "=", Sanitize(labels[i].second),
                    "\n");
  }

  if (claim.evidence().empty()) {
    absl::StrAppend(&out, field("Evidence"), "<none>\n");
    return out;
  }
  absl::StrAppend(&out, field("Evidence"), claim.evidence_size(), "\n");
  constexpr size_t kEvidenceValueColumn = 14;
  auto sub_field = [&](absl::string_view label, absl::string_view value) {
    if (value.empty()) return;
    std::string line = absl::StrCat("     ", label, ":");
    line.resize(kEvidenceValueColumn, ' ');
    absl::StrAppend(&out, line, Indented(value, kEvidenceValueColumn), "\n");
  };
  int number = 0;
  for (const v1::Evidence& evidence : claim.evidence()) {
    absl::StrAppend(&out, "  ", ++number, ". ",
                    StyledStatus(evidence.status(), options.color),
                    " at revision ", evidence.revision(), ", ",
                    FormatTimestamp(evidence.time()), "\n");
    sub_field("Source", evidence.source());
    sub_field("URL", evidence.url());
    if (!evidence.quote().empty()) {
      sub_field("Quote", absl::StrCat("\"", evidence.quote(), "\""));
    }
    sub_field("Note", evidence.note());
    sub_field("Actor", evidence.actor());
  }
  return out;
}

std::string RenderHistoryTable(const std::vector<v1::ClaimEvent>& events,
                               bool show_claim_id,
                               const RenderOptions& options) {
  std::vector<std::string> header = {"REV", "TIME"};
  if (show_claim_id) header.push_back("ID");
  header.insert(header.end(), {"TYPE", "STATUS", "SOURCE"});
  TextTable table(std::move(header));
  for (const v1::ClaimEvent& event : events) {
    std::vector<Cell> row = {absl::StrCat(event.revision()),
                             FormatTimestamp(event.event_time())};
    if (show_claim_id) row.emplace_back(ClaimIdOf(event.claim().name()));
    const v1::Evidence* evidence = EvidenceOf(event);
    row.emplace_back(EventTypeName(event.type()));
    row.push_back(StatusChange(event, options.color));
    row.emplace_back(evidence == nullptr || evidence->source().empty()
                         ? "-"
                         : Sanitize(evidence->source()));
    table.AddRow(std::move(row));
  }
  return table.Render(options.width);
}

std::string RenderEventLine(const v1::ClaimEvent& event,
                            const RenderOptions& options) {
  const Cell status = StatusChange(event, options.color);
  const std::string head =
      absl::StrCat("rev ", event.revision(), "  ", EventTypeName(event.type()),
                   "  ", Sanitize(event.claim().name()), "  ");
  const v1::Evidence* evidence = EvidenceOf(event);
  const std::string tail =
      evidence != nullptr && !evidence->source().empty()
          ? absl::StrCat("  source: ", Sanitize(evidence->source()))
          : "";
  // On a terminal the statement takes what the line leaves, so one event stays
  // one line; elsewhere (pipes, files) it has a fixed width.
  size_t statement_width = kEventStatementWidth;
  if (options.width > 0) {
    const size_t used = DisplayWidth(head) + DisplayWidth(status.plain) +
                        DisplayWidth(tail) + 4;  // two spaces, two quotes
    statement_width = options.width > used + kMinEventStatementWidth
                          ? options.width - used
                          : kMinEventStatementWidth;
  }
  return absl::StrCat(
      head, status.styled, "  \"",
      Truncate(Sanitize(event.claim().statement()), statement_width), "\"",
      tail, "\n");
}

absl::StatusOr<std::string> RenderJson(
    const google::protobuf::Message& message) {
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &json);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print as JSON: ", status.ToString()));
  }
  return json;
}

}  // namespace claimd::client
