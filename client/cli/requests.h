// From claimctl's arguments to claims.v1 requests: pure functions, testable
// without a server or a command line.
//
//   VerdictFlags flags{.id = "x", .evidence = {.source = "S"}};
//   auto request = BuildUpdateStatusRequest(
//       flags, claims::v1::VERIFICATION_STATUS_CONFIRMED);
//   // name "claims/x", status CONFIRMED, evidence.source "S", a new
//   // request_id.
//
// Every mutation carries a request_id (AIP-155): the one given with
// --request-id, else a fresh random one, so ClaimClient may retry it safely
// and a user may run a command whose outcome was unknown again with the same
// id: it applies at most once. Errors are INVALID_ARGUMENT naming the flag or argument at
// fault; the server checks the rest (id syntax, lengths).
//
// Thread-safety: pure functions (NewRequestId draws from a thread-safe
// generator).
#ifndef CLAIMD_CLIENT_CLI_REQUESTS_H_
#define CLAIMD_CLIENT_CLI_REQUESTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

// "abc" or "claims/abc" -> "claims/abc". INVALID_ARGUMENT when the id is empty
// or holds another "/".
absl::StatusOr<std::string> ClaimName(absl::string_view id);

// "reported", "confirmed", "denied" (any case) -> the status; INVALID_ARGUMENT
// else.
absl::StatusOr<claims::v1::VerificationStatus> ParseStatus(
    absl::string_view text);

// {"desk=world", "lang=en"} -> the map. INVALID_ARGUMENT for an item without
// "=", an empty key or a key given twice.
absl::StatusOr<std::map<std::string, std::string>> ParseLabels(
    const std::vector<std::string>& items);

// A random UUID (version 4), e.g. "3b241101-e2bb-4255-8caf-4136c566a962".
std::string NewRequestId();

// `given` (a --request-id), or NewRequestId() when it is empty.
std::string RequestIdOr(const std::string& given);

struct EvidenceFlags {
  std::string source;
  std::string url;
  std::string quote;
  std::string note;
  std::string actor;
  // RFC 3339, e.g. "2024-05-01T10:00:00Z"; empty = when the server records it.
  std::string time;
};

// The evidence the flags describe. INVALID_ARGUMENT for a malformed --time,
// or for --url, --quote, --note or --time without --source.
absl::StatusOr<claims::v1::Evidence> BuildEvidence(const EvidenceFlags& flags);

struct CreateFlags {
  std::string statement;
  std::string id;                   // empty: the server picks one
  std::vector<std::string> labels;  // "key=value"
  std::string status;               // empty: REPORTED
  EvidenceFlags evidence;           // used when evidence.source is set
  std::string request_id;           // empty: a fresh one
};
absl::StatusOr<claims::v1::CreateClaimRequest> BuildCreateRequest(
    const CreateFlags& flags);

// confirm / deny / report.
struct VerdictFlags {
  std::string id;
  EvidenceFlags evidence;
  int64_t expected_revision = 0;
  std::string request_id;  // empty: a fresh one
};
absl::StatusOr<claims::v1::UpdateClaimStatusRequest> BuildUpdateStatusRequest(
    const VerdictFlags& flags, claims::v1::VerificationStatus status);

absl::StatusOr<claims::v1::GetClaimRequest> BuildGetRequest(
    absl::string_view id);

absl::StatusOr<claims::v1::DeleteClaimRequest> BuildDeleteRequest(
    absl::string_view id, int64_t expected_revision,
    const std::string& request_id = "");

claims::v1::ListClaimsRequest BuildListRequest(const std::string& filter,
                                               int32_t page_size);

// An empty `id` means every claim ("claims/-").
absl::StatusOr<claims::v1::ListClaimEventsRequest> BuildHistoryRequest(
    absl::string_view id, int32_t page_size);

claims::v1::WatchClaimsRequest BuildWatchRequest(const std::string& filter,
                                                 int64_t from_revision,
                                                 bool snapshot);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_REQUESTS_H_
