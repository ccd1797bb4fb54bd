#include "client/cli/requests.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr absl::string_view kClaimPrefix = "claims/";

}  // namespace

absl::StatusOr<std::string> ClaimName(absl::string_view id) {
  if (absl::StartsWith(id, kClaimPrefix)) id.remove_prefix(kClaimPrefix.size());
  if (id.empty()) return absl::InvalidArgumentError("claim ID is empty");
  if (absl::StrContains(id, '/')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "claim ID \"", id, "\" is malformed: use ID or claims/ID"));
  }
  return absl::StrCat(kClaimPrefix, id);
}

absl::StatusOr<v1::VerificationStatus> ParseStatus(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "reported") return v1::VERIFICATION_STATUS_REPORTED;
  if (lower == "confirmed") return v1::VERIFICATION_STATUS_CONFIRMED;
  if (lower == "denied") return v1::VERIFICATION_STATUS_DENIED;
  return absl::InvalidArgumentError(absl::StrCat(
      "status \"", text, "\" is not one of reported, confirmed, denied"));
}

absl::StatusOr<std::map<std::string, std::string>> ParseLabels(
    const std::vector<std::string>& items) {
  std::map<std::string, std::string> labels;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", item, "\" is not KEY=VALUE"));
    }
    if (!labels.emplace(item.substr(0, eq), item.substr(eq + 1)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", item.substr(0, eq), "\" is given twice"));
    }
  }
  return labels;
}

std::string NewRequestId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  uint64_t high, low;
  {
    absl::MutexLock lock(&mu);
    high = absl::Uniform<uint64_t>(*gen);
    low = absl::Uniform<uint64_t>(*gen);
  }
  high = (high & ~uint64_t{0xF000}) | 0x4000;                    // version 4
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32,
                         (high >> 16) & 0xFFFF, high & 0xFFFF, low >> 48,
                         low & 0xFFFFFFFFFFFF);
}

absl::StatusOr<v1::Evidence> BuildEvidence(const EvidenceFlags& flags) {
  if (flags.source.empty() && (!flags.url.empty() || !flags.quote.empty() ||
                               !flags.note.empty() || !flags.time.empty())) {
    return absl::InvalidArgumentError(
        "--url, --quote, --note and --time need --source");
  }
  v1::Evidence evidence;
  evidence.set_source(flags.source);
  evidence.set_url(flags.url);
  evidence.set_quote(flags.quote);
  evidence.set_note(flags.note);
  evidence.set_actor(flags.actor);
  if (!flags.time.empty()) {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, flags.time, &time, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--time \"", flags.time,
          "\" is not an RFC 3339 time like 2024-05-01T10:00:00Z: ", error));
    }
    const absl::Duration since_epoch = time - absl::UnixEpoch();
    const int64_t seconds =
        absl::ToInt64Seconds(absl::Floor(since_epoch, absl::Seconds(1)));
    evidence.mutable_time()->set_seconds(seconds);
    evidence.mutable_time()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
  }
  return evidence;
}

std::string RequestIdOr(const std::string& given) {
  return given.empty() ? NewRequestId() : given;
}

absl::StatusOr<v1::CreateClaimRequest> BuildCreateRequest(
    const CreateFlags& flags) {
  v1::CreateClaimRequest request;
  v1::Claim& claim = *request.mutable_claim();
  claim.set_statement(flags.statement);
  if (!flags.id.empty()) {
    absl::StatusOr<std::string> name = ClaimName(flags.id);
    if (!name.ok()) return name.status();
    request.set_claim_id(name->substr(kClaimPrefix.size()));
  }
  if (!flags.status.empty()) {
    absl::StatusOr<v1::VerificationStatus> status = ParseStatus(flags.status);
    if (!status.ok()) return status.status();
    claim.set_status(*status);
  }
  absl::StatusOr<std::map<std::string, std::string>> labels =
      ParseLabels(flags.labels);
  if (!labels.ok()) return labels.status();
  claim.mutable_labels()->insert(labels->begin(), labels->end());
  absl::StatusOr<v1::Evidence> evidence = BuildEvidence(flags.evidence);
  if (!evidence.ok()) return evidence.status();
  if (!flags.evidence.source.empty()) {
    *claim.add_evidence() = *std::move(evidence);
  }
  request.set_request_id(RequestIdOr(flags.request_id));
  return request;
}

absl::StatusOr<v1::UpdateClaimStatusRequest> BuildUpdateStatusRequest(
    const VerdictFlags& flags, v1::VerificationStatus status) {
  v1::UpdateClaimStatusRequest request;
  absl::StatusOr<std::string> name = ClaimName(flags.id);
  if (!name.ok()) return name.status();
  request.set_name(*name);
  request.set_status(status);
  absl::StatusOr<v1::Evidence> evidence = BuildEvidence(flags.evidence);
  if (!evidence.ok()) return evidence.status();
  if (!flags.evidence.source.empty()) {
    *request.mutable_evidence() = *std::move(evidence);
  }
  request.set_expected_revision(flags.expected_revision);
  request.set_request_id(RequestIdOr(flags.request_id));
  return request;
}

absl::StatusOr<v1::GetClaimRequest> BuildGetRequest(absl::string_view id) {
  absl::StatusOr<std::string> name = ClaimName(id);
  if (!name.ok()) return name.status();
  v1::GetClaimRequest request;
  request.set_name(*name);
  return request;
}

absl::StatusOr<v1::DeleteClaimRequest> BuildDeleteRequest(
    absl::string_view id, int64_t expected_revision,
    const std::string& request_id) {
  absl::StatusOr<std::string> name = ClaimName(id);
  if (!name.ok()) return name.status();
  v1::DeleteClaimRequest request;
  request.set_name(*name);
  request.set_expected_revision(expected_revision);
  request.set_request_id(RequestIdOr(request_id));
  return request;
}

v1::ListClaimsRequest BuildListRequest(const std::string& filter,
                                       int32_t page_size) {
  v1::ListClaimsRequest request;
  request.set_filter(filter);
  request.set_page_size(page_size);
  return request;
}

absl::StatusOr<v1::ListClaimEventsRequest> BuildHistoryRequest(
    absl::string_view id, int32_t page_size) {
  v1::ListClaimEventsRequest request;
  if (id.empty()) {
    request.set_parent("claims/-");
  } else {
    absl::StatusOr<std::string> name = ClaimName(id);
    if (!name.ok()) return name.status();
    request.set_parent(*name);
  }
  request.set_page_size(page_size);
  return request;
}

v1::WatchClaimsRequest BuildWatchRequest(const std::string& filter,
                                         int64_t from_revision, bool snapshot) {
  v1::WatchClaimsRequest request;
  request.set_filter(filter);
  request.set_start_revision(from_revision);
  request.set_initial_snapshot(snapshot);
  return request;
}

}  // namespace claimd::client
