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

}  // namespace claimd::core
