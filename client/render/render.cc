#include "client/render/render.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "client/render/text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr size_t kEventStatementWidth = 60;
// A history table's QUOTE column, without -o wide.
constexpr size_t kHistoryQuoteWidth = 40;
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

std::string FormatTimestampIn(const google::protobuf::Timestamp& timestamp,
                              absl::TimeZone zone) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  if (zone == absl::UTCTimeZone()) return FormatTimestamp(timestamp);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez",
                          absl::FromUnixSeconds(timestamp.seconds()), zone);
}

std::string RenderClaimsTable(const std::vector<v1::Claim>& claims,
                              const RenderOptions& options) {
  std::vector<std::string> header = {"ID", "STATUS", "REV", "EVIDENCE", "AGE"};
  if (options.wide) {
    header.push_back("UPDATED");
    header.push_back("LABELS");
  }
  header.push_back("STATEMENT");
  TextTable table(std::move(header));
  for (const v1::Claim& claim : claims) {
    const bool has_created =
        claim.has_create_time() && (claim.create_time().seconds() != 0 ||
                                    claim.create_time().nanos() != 0);
    const std::string age =
        has_created
            ? FormatAge(options.now -
                        absl::FromUnixSeconds(claim.create_time().seconds()))
            : "-";
    std::vector<Cell> row = {ClaimIdOf(claim.name()),
                             Cell(StatusName(claim.status()),
                                  StyledStatus(claim.status(), options.color)),
                             absl::StrCat(claim.revision()),
                             absl::StrCat(claim.evidence_size()), age};
    if (options.wide) {
      row.emplace_back(FormatTimestampIn(claim.update_time(), options.zone));
      // Sorted by key: the map's order is unspecified.
      std::map<std::string, std::string> labels(claim.labels().begin(),
                                                claim.labels().end());
      std::string joined;
      for (const auto& [key, value] : labels) {
        absl::StrAppend(&joined, joined.empty() ? "" : ",", key, "=", value);
      }
      row.emplace_back(joined.empty() ? std::string("-") : Sanitize(joined));
    }
    row.emplace_back(Sanitize(claim.statement()));
    table.AddRow(std::move(row));
  }
  return table.Render(options.width, !options.no_headers);
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
  absl::StrAppend(&out, field("Created"),
                  FormatTimestampIn(claim.create_time(), options.zone),
                  " (revision ", claim.create_revision(), ")\n");
  absl::StrAppend(&out, field("Updated"),
                  FormatTimestampIn(claim.update_time(), options.zone), "\n");

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
                    FormatTimestampIn(evidence.time(), options.zone), "\n");
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
  header.insert(header.end(), {"TYPE", "STATUS", "SOURCE", "QUOTE"});
  TextTable table(std::move(header));
  for (const v1::ClaimEvent& event : events) {
    std::vector<Cell> row = {
        absl::StrCat(event.revision()),
        FormatTimestampIn(event.event_time(), options.zone)};
    if (show_claim_id) row.emplace_back(ClaimIdOf(event.claim().name()));
    const v1::Evidence* evidence = EvidenceOf(event);
    row.emplace_back(EventTypeName(event.type()));
    row.push_back(StatusChange(event, options.color));
    row.emplace_back(evidence == nullptr || evidence->source().empty()
                         ? "-"
                         : Sanitize(evidence->source()));
    if (evidence == nullptr || evidence->quote().empty()) {
      row.emplace_back("-");
    } else {
      // A quote can run to paragraphs: the table keeps a line per event and
      // -o wide (or json) gives the whole text.
      const std::string quote = Sanitize(evidence->quote());
      row.emplace_back(absl::StrCat(
          "\"", options.wide ? quote : Truncate(quote, kHistoryQuoteWidth),
          "\""));
    }
    table.AddRow(std::move(row));
  }
  return table.Render(options.wide ? 0 : options.width, !options.no_headers);
}

std::string RenderEventLine(const v1::ClaimEvent& event,
                            const RenderOptions& options) {
  const Cell status = StatusChange(event, options.color);
  // The commit time, as every other time claimctl prints (options.zone).
  const std::string head = absl::StrCat(
      "rev ", event.revision(), "  ",
      FormatTimestampIn(event.event_time(), options.zone), "  ",
      EventTypeName(event.type()), "  ", Sanitize(event.claim().name()), "  ");
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

namespace claimd::client {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A YAML double-quoted scalar: every control character escaped, so stored
// text cannot drive the terminal or break the document.
std::string YamlQuoted(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      absl::StrAppend(&out, "\\", std::string(1, c));
    } else if (byte < 0x20 || byte == 0x7F) {
      absl::StrAppend(&out,
                      absl::StrFormat("\\x%02x", static_cast<unsigned>(byte)));
    } else {
      out.push_back(c);
    }
  }
  // C1 controls, bidi overrides and zero-width characters, visibly escaped.
  const std::string sanitized = Sanitize(out);
  if (sanitized != out) {
    std::string escaped;
    for (size_t i = 0; i < out.size();) {
      // Compare per code point: where Sanitize made a space, escape the bytes.
      size_t length = 1;
      const auto lead = static_cast<unsigned char>(out[i]);
      if (lead >= 0xF0) {
        length = 4;
      } else if (lead >= 0xE0) {
        length = 3;
      } else if (lead >= 0xC0) {
        length = 2;
      }
      const std::string piece = out.substr(i, length);
      if (piece.size() > 1 && piece.size() < 4 && Sanitize(piece) == " ") {
        // YAML's \uXXXX names the code point (all of these are in the BMP).
        const auto b = [&piece](size_t k) {
          return static_cast<unsigned>(static_cast<unsigned char>(piece[k]));
        };
        const unsigned code =
            piece.size() == 2
                ? ((b(0) & 0x1F) << 6) | (b(1) & 0x3F)
                : ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        absl::StrAppend(&escaped, absl::StrFormat("\\u%04X", code));
      } else {
        escaped += piece;
      }
      i += length;
    }
    out = escaped;
  }
  out.push_back('"');
  return out;
}

std::string Indent(absl::string_view text, absl::string_view first,
                   absl::string_view rest) {
  std::string out;
  bool at_start = true;
  bool first_line = true;
  for (const char c : text) {
    if (at_start) {
      absl::StrAppend(&out, first_line ? first : rest);
      first_line = false;
      at_start = false;
    }
    out.push_back(c);
    if (c == '\n') at_start = true;
  }
  return out;
}

std::string YamlScalar(const Message& message, const FieldDescriptor* field,
                       int index);
std::string YamlMessage(const Message& message);

// A message value: a timestamp inline, anything else as a nested block.
bool IsTimestamp(const FieldDescriptor* field) {
  return field->message_type() != nullptr &&
         field->message_type()->full_name() == "google.protobuf.Timestamp";
}

std::string YamlScalar(const Message& message, const FieldDescriptor* field,
                       int index) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return YamlQuoted(repeated ? r->GetRepeatedString(message, field, index)
                                 : r->GetString(message, field));
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? r->GetRepeatedInt32(message, field, index)
                                   : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? r->GetRepeatedInt64(message, field, index)
                                   : r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(repeated ? r->GetRepeatedUInt32(message, field, index)
                                   : r->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(repeated ? r->GetRepeatedUInt64(message, field, index)
                                   : r->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(repeated ? r->GetRepeatedDouble(message, field, index)
                                   : r->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(repeated ? r->GetRepeatedFloat(message, field, index)
                                   : r->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? r->GetRepeatedBool(message, field, index)
                       : r->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return (repeated ? r->GetRepeatedEnum(message, field, index)
                       : r->GetEnum(message, field))
          ->name();
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& value = repeated
                                 ? r->GetRepeatedMessage(message, field, index)
                                 : r->GetMessage(message, field);
      if (IsTimestamp(field)) {
        const auto* reflection = value.GetReflection();
        const auto* descriptor = value.GetDescriptor();
        google::protobuf::Timestamp timestamp;
        timestamp.set_seconds(reflection->GetInt64(
            value, descriptor->FindFieldByName("seconds")));
        timestamp.set_nanos(
            reflection->GetInt32(value, descriptor->FindFieldByName("nanos")));
        return YamlQuoted(FormatTimestamp(timestamp));
      }
      return YamlMessage(value);
    }
  }
  return "";
}

std::string YamlMessage(const Message& message) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  if (fields.empty()) return "{}";
  std::string out;
  for (const FieldDescriptor* field : fields) {
    const std::string key = field->json_name();
    const Reflection* r = message.GetReflection();
    if (field->is_map()) {
      // Sorted by key: a map's order is unspecified.
      std::map<std::string, std::string> entries;
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        const Message& entry = r->GetRepeatedMessage(message, field, i);
        const auto* descriptor = entry.GetDescriptor();
        entries[YamlScalar(entry, descriptor->map_key(), 0)] =
            YamlScalar(entry, descriptor->map_value(), 0);
      }
      absl::StrAppend(&out, key, ":\n");
      for (const auto& [k, v] : entries) {
        absl::StrAppend(&out, "  ", k, ": ", v, "\n");
      }
    } else if (field->is_repeated()) {
      absl::StrAppend(&out, key, ":\n");
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        const std::string value = YamlScalar(message, field, i);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
            !IsTimestamp(field) && value != "{}") {
          absl::StrAppend(&out, Indent(value, "- ", "  "));
        } else {
          absl::StrAppend(&out, "- ", value, "\n");
        }
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               !IsTimestamp(field)) {
      const std::string value = YamlScalar(message, field, 0);
      if (value == "{}") {
        absl::StrAppend(&out, key, ": {}\n");
      } else {
        absl::StrAppend(&out, key, ":\n", Indent(value, "  ", "  "));
      }
    } else {
      absl::StrAppend(&out, key, ": ", YamlScalar(message, field, 0), "\n");
    }
  }
  return out;
}

}  // namespace

std::string RenderYaml(const google::protobuf::Message& message) {
  std::string yaml = YamlMessage(message);
  if (yaml == "{}") yaml = "{}\n";
  return yaml;
}

}  // namespace claimd::client
