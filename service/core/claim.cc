#include "service/core/claim.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace claimd::core {

absl::string_view StatusName(VerificationStatus status) {
  switch (status) {
    case VerificationStatus::kReported:
      return "REPORTED";
    case VerificationStatus::kConfirmed:
      return "CONFIRMED";
    case VerificationStatus::kDenied:
      return "DENIED";
    case VerificationStatus::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

VerificationStatus ParseStatusName(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view bare = upper;
  absl::ConsumePrefix(&bare, "VERIFICATION_STATUS_");
  for (VerificationStatus status :
       {VerificationStatus::kReported, VerificationStatus::kConfirmed,
        VerificationStatus::kDenied}) {
    if (bare == StatusName(status)) return status;
  }
  return VerificationStatus::kUnspecified;
}

absl::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kCreated:
      return "CREATED";
    case EventType::kStatusChanged:
      return "STATUS_CHANGED";
    case EventType::kEvidenceAdded:
      return "EVIDENCE_ADDED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kSnapshot:
      return "SNAPSHOT";
    case EventType::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

std::string ClaimName(absl::string_view claim_id) {
  return absl::StrCat(kClaimNamePrefix, claim_id);
}

size_t ApproximateBytes(const Claim& claim) {
  // A heap string costs its capacity plus the allocator's header; short ones
  // live inline (counted in sizeof). A std::map node adds about four pointers.
  auto text = [](const std::string& s) {
    return s.capacity() > 15 ? s.capacity() + 16 : size_t{0};
  };
  size_t bytes = sizeof(Claim) + text(claim.id) + text(claim.statement);
  for (const auto& [key, value] : claim.labels) {
    bytes +=
        4 * sizeof(void*) + sizeof(std::string) * 2 + text(key) + text(value);
  }
  bytes += claim.evidence.capacity() * sizeof(Evidence);
  for (const Evidence& evidence : claim.evidence) {
    bytes += text(evidence.source) + text(evidence.url) + text(evidence.quote) +
             text(evidence.note) + text(evidence.actor);
  }
  return bytes;
}

}  // namespace claimd::core
