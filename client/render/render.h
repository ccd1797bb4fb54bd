// Rendering claimctl's output: pure functions from API messages to text.
//
// Tables and views are for people; JSON (the proto JSON mapping, one object per
// line) is for machines. Nothing here looks at the terminal or the clock:
// whether to use colour, how wide the terminal is and what time it is are
// RenderOptions, decided by the caller (main), so the output is exact and
// testable.
//
//   RenderOptions options{.color = false, .width = 0, .now = absl::Now()};
//   std::cout << RenderClaimsTable(claims, options);
//   // ID    STATUS      REV   EVIDENCE   AGE   STATEMENT
//   // abc   CONFIRMED   12    2          3d    Troops crossed the border
//
// Statuses are coloured (REPORTED yellow, CONFIRMED green, DENIED red) when
// `color` is set. Text from the server is sanitized of control characters.
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_RENDER_RENDER_H_
#define CLAIMD_CLIENT_RENDER_RENDER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace claimd::client {

struct RenderOptions {
  // ANSI colours for statuses.
  bool color = false;
  // Terminal width for truncating statements in tables; 0 = never truncate.
  size_t width = 0;
  // The time AGE is measured against.
  absl::Time now = absl::UnixEpoch();
  // -o wide: more columns (UPDATED, LABELS).
  bool wide = false;
  // --no-headers: tables without their header line.
  bool no_headers = false;
  // Where times are shown: local time on a terminal, UTC otherwise or with
  // --utc.
  absl::TimeZone zone = absl::UTCTimeZone();
};

// Colour only on a terminal, and never when NO_COLOR is set to a non-empty
// value (https://no-color.org). `no_color_env` is getenv("NO_COLOR"), possibly
// null.
bool ShouldUseColor(bool stdout_is_tty, const char* no_color_env);

// "CONFIRMED" for VERIFICATION_STATUS_CONFIRMED; "UNSPECIFIED" for 0 or
// unknown.
std::string StatusName(claims::v1::VerificationStatus status);
// "STATUS_CHANGED" for EVENT_TYPE_STATUS_CHANGED; "UNSPECIFIED" for 0 or
// unknown.
std::string EventTypeName(claims::v1::EventType type);
// "abc" for "claims/abc"; other text unchanged.
std::string ClaimIdOf(absl::string_view name);
// kubectl-style age: "45s", "7m", "5h", "12d", "3y".
std::string FormatAge(absl::Duration age);
// "2024-05-01T10:00:00Z" (UTC, whole seconds); "-" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// "2024-05-01T12:00:00+02:00" in `zone` (whole seconds; "Z" for UTC); "-"
// when unset.
std::string FormatTimestampIn(const google::protobuf::Timestamp& timestamp,
                              absl::TimeZone zone);

// ID, STATUS, REV, EVIDENCE, AGE (since create_time), STATEMENT; header
// included unless options.no_headers. Wide: UPDATED and LABELS before
// STATEMENT.
std::string RenderClaimsTable(const std::vector<claims::v1::Claim>& claims,
                              const RenderOptions& options);

// Every field of one claim and its evidence, for `claimctl get`.
std::string RenderClaimDetail(const claims::v1::Claim& claim,
                              const RenderOptions& options);

// REV, TIME, [ID,] TYPE, STATUS ("REPORTED -> CONFIRMED" on a change), SOURCE
// and QUOTE (of the evidence the change recorded, "-" if none). ID only with
// `show_claim_id`. QUOTE is cut to 40 columns and to the terminal's width,
// except with options.wide, which prints every quote whole.
std::string RenderHistoryTable(
    const std::vector<claims::v1::ClaimEvent>& events, bool show_claim_id,
    const RenderOptions& options);

// One line per watch event, ending in "\n", e.g. (one line):
//   rev 12  2024-05-02T08:30:00Z  STATUS_CHANGED  claims/abc
//     REPORTED -> CONFIRMED  "Troops crossed..."  source: Ukrainian officials
// The time is the event's commit time in options.zone ("-" when unset).
// The statement is cut to 60 code points; "source: ..." only when the event
// recorded evidence.
std::string RenderEventLine(const claims::v1::ClaimEvent& event,
                            const RenderOptions& options);

// The proto JSON mapping of `message` on one line, without a newline.
// INTERNAL if the message cannot be printed (invalid UTF-8 in a string field).
absl::StatusOr<std::string> RenderJson(
    const google::protobuf::Message& message);

// `message` as a YAML document (the proto JSON names; enums by name,
// timestamps in RFC 3339, strings double-quoted and escaped), ending in "\n".
std::string RenderYaml(const google::protobuf::Message& message);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_RENDER_RENDER_H_
