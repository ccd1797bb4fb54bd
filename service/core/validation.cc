// ValidateMutation: every caller-supplied field checked against limits.h before
// any store sees it. Messages name the field the way the API spells it, so a
// caller can fix the request without reading our code.
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "service/core/claim_id.h"
#include "service/core/limits.h"
#include "service/core/mutation.h"
#include "service/util/status_macros.h"
#include "service/util/utf8.h"

namespace claimd::core {
namespace {

absl::Status CheckText(absl::string_view text, size_t limit,
                       absl::string_view field) {
  if (text.size() > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": is ", text.size(), " bytes long; the limit is ", limit));
  }
  if (!util::IsValidUtf8(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is not valid UTF-8"));
  }
  return absl::OkStatus();
}

absl::Status CheckEvidence(const Evidence& evidence, absl::string_view field) {
  RETURN_IF_ERROR(CheckText(evidence.source, kMaxSourceBytes,
                            absl::StrCat(field, ".source")));
  RETURN_IF_ERROR(
      CheckText(evidence.url, kMaxUrlBytes, absl::StrCat(field, ".url")));
  RETURN_IF_ERROR(
      CheckText(evidence.quote, kMaxQuoteBytes, absl::StrCat(field, ".quote")));
  RETURN_IF_ERROR(
      CheckText(evidence.note, kMaxNoteBytes, absl::StrCat(field, ".note")));
  RETURN_IF_ERROR(
      CheckText(evidence.actor, kMaxActorBytes, absl::StrCat(field, ".actor")));
  // The range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31 UTC.
  static const absl::Time kEarliest = absl::FromUnixSeconds(-62135596800);
  static const absl::Time kLatest = absl::FromUnixSeconds(253402300800);
  if (evidence.time != absl::InfinitePast() &&
      (evidence.time < kEarliest || evidence.time >= kLatest)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".time: must lie between 0001-01-01 and 9999-12-31"));
  }
  return absl::OkStatus();
}

bool IsLabelKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

absl::Status CheckLabelKey(absl::string_view key) {
  if (key.empty() || key.size() > kMaxLabelKeyBytes || key.front() < 'a' ||
      key.front() > 'z') {
    return absl::InvalidArgumentError(
        absl::StrCat("claim.labels: key \"", key.substr(0, kMaxLabelKeyBytes),
                     "\" must match [a-z][a-z0-9_-]{0,62}"));
  }
  for (char c : key) {
    if (!IsLabelKeyChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "claim.labels: key \"", key, "\" must match [a-z][a-z0-9_-]{0,62}"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckStatus(VerificationStatus status, absl::string_view field,
                         bool required) {
  switch (status) {
    case VerificationStatus::kReported:
    case VerificationStatus::kConfirmed:
    case VerificationStatus::kDenied:
      return absl::OkStatus();
    case VerificationStatus::kUnspecified:
      if (!required) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": is required (REPORTED, CONFIRMED or DENIED)"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown value ", static_cast<int>(status),
                   "; expected REPORTED, CONFIRMED or DENIED"));
}

absl::Status CheckRequestId(absl::string_view request_id) {
  return CheckText(request_id, kMaxRequestIdBytes, "request_id");
}

absl::Status CheckExpectedRevision(int64_t expected_revision) {
  if (expected_revision < 0) {
    return absl::InvalidArgumentError(
        "expected_revision: must not be negative");
  }
  return absl::OkStatus();
}

absl::Status Check(const CreateClaim& create) {
  const Claim& claim = create.claim;
  RETURN_IF_ERROR(ValidateClaimId(claim.id, "claim_id"));
  if (claim.statement.empty()) {
    return absl::InvalidArgumentError("claim.statement: is required");
  }
  RETURN_IF_ERROR(
      CheckText(claim.statement, kMaxStatementBytes, "claim.statement"));
  RETURN_IF_ERROR(
      CheckStatus(claim.status, "claim.status", /*required=*/false));
  if (claim.labels.size() > kMaxLabels) {
    return absl::InvalidArgumentError(
        absl::StrCat("claim.labels: has ", claim.labels.size(),
                     " entries; the limit is ", kMaxLabels));
  }
  for (const auto& [key, value] : claim.labels) {
    RETURN_IF_ERROR(CheckLabelKey(key));
    RETURN_IF_ERROR(CheckText(value, kMaxLabelValueBytes,
                              absl::StrCat("claim.labels[\"", key, "\"]")));
  }
  if (claim.evidence.size() > kMaxEvidencePerClaim) {
    return absl::InvalidArgumentError(
        absl::StrCat("claim.evidence: has ", claim.evidence.size(),
                     " items; the limit is ", kMaxEvidencePerClaim));
  }
  for (size_t i = 0; i < claim.evidence.size(); ++i) {
    RETURN_IF_ERROR(CheckEvidence(claim.evidence[i],
                                  absl::StrCat("claim.evidence[", i, "]")));
  }
  return absl::OkStatus();
}

absl::Status Check(const UpdateClaimStatus& update) {
  RETURN_IF_ERROR(ValidateClaimId(update.claim_id, "name"));
  RETURN_IF_ERROR(CheckStatus(update.status, "status", /*required=*/true));
  RETURN_IF_ERROR(CheckEvidence(update.evidence, "evidence"));
  if (update.evidence.source.empty()) {
    return absl::InvalidArgumentError(
        "evidence.source: is required; every verdict names who reported, "
        "confirmed or denied "
        "the claim");
  }
  return CheckExpectedRevision(update.expected_revision);
}

absl::Status Check(const DeleteClaim& del) {
  RETURN_IF_ERROR(ValidateClaimId(del.claim_id, "name"));
  return CheckExpectedRevision(del.expected_revision);
}

}  // namespace

absl::Status ValidateMutation(const Mutation& mutation) {
  RETURN_IF_ERROR(CheckRequestId(mutation.request_id));
  return std::visit([](const auto& op) { return Check(op); }, mutation.op);
}

}  // namespace claimd::core
