// The domain model of claimd: a claim, its evidence, and the events that change
// it.
//
// Plain values with no behaviour beyond small helpers; the rules that move a
// claim from one state to the next live in mutation.h. Events are shared
// immutably (std::shared_ptr<const ClaimEvent>) between the store, the watch
// hub and every watcher, so fan-out never copies them. Thread-safety: plain
// values, no internal locking.
#ifndef CLAIMD_SERVICE_CORE_CLAIM_H_
#define CLAIMD_SERVICE_CORE_CLAIM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace claimd::core {

// Where a claim stands. Numbers match claims.v1.VerificationStatus.
enum class VerificationStatus : int {
  kUnspecified = 0,
  kReported = 1,
  kConfirmed = 2,
  kDenied = 3,
};

// What a change did. Numbers match claims.v1.EventType.
enum class EventType : int {
  kUnspecified = 0,
  kCreated = 1,
  kStatusChanged = 2,
  kEvidenceAdded = 3,
  kDeleted = 4,
  kSnapshot = 5,
};

// "REPORTED", "CONFIRMED", "DENIED" ("UNSPECIFIED" for anything else).
absl::string_view StatusName(VerificationStatus status);
// Parses a status name, case-insensitively, with or without the
// "VERIFICATION_STATUS_" prefix. Returns kUnspecified when it is not a status.
VerificationStatus ParseStatusName(absl::string_view name);
// "CREATED", "STATUS_CHANGED", ...
absl::string_view EventTypeName(EventType type);

struct Evidence {
  std::string source;
  std::string url;
  std::string quote;
  std::string note;
  std::string actor;
  // When the source stated it; InfinitePast() when the caller did not say (the
  // store then records the commit time).
  absl::Time time = absl::InfinitePast();
  // The verdict the evidence was recorded with, and the revision that recorded
  // it.
  VerificationStatus status = VerificationStatus::kUnspecified;
  int64_t revision = 0;

  bool operator==(const Evidence&) const = default;
};

struct Claim {
  std::string id;  // the {claim_id} of "claims/{claim_id}"
  std::string statement;
  VerificationStatus status = VerificationStatus::kUnspecified;
  std::map<std::string, std::string> labels;
  std::vector<Evidence> evidence;
  int64_t revision = 0;         // revision of the last change
  int64_t create_revision = 0;  // revision of the creation
  absl::Time create_time = absl::UnixEpoch();
  absl::Time update_time = absl::UnixEpoch();

  bool operator==(const Claim&) const = default;
};

struct ClaimEvent {
  int64_t revision = 0;
  EventType type = EventType::kUnspecified;
  Claim claim;  // after the change; for kDeleted the last state
  VerificationStatus previous_status = VerificationStatus::kUnspecified;
  absl::Time event_time = absl::UnixEpoch();
  // Who made the change, when the event itself records it: for kDeleted the
  // authenticated caller that deleted the claim (empty without authentication;
  // creates and updates name theirs in the evidence they add).
  std::string actor;

  bool operator==(const ClaimEvent&) const = default;
};

using ClaimEventPtr = std::shared_ptr<const ClaimEvent>;

// Resource names: "claims/{claim_id}".
inline constexpr absl::string_view kClaimNamePrefix = "claims/";
// The parent that stands for every claim in ListClaimEvents.
inline constexpr absl::string_view kAllClaimsParent = "claims/-";
std::string ClaimName(absl::string_view claim_id);

// About how many bytes of heap `claim` takes (the object, its strings, label
// map nodes and evidence), for memory budgets; an estimate that errs high.
size_t ApproximateBytes(const Claim& claim);

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_CLAIM_H_
