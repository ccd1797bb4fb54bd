// Encodes core::Claim and core::ClaimEvent into the store's private record
// format (record.proto) and back. The SQLite store keeps these bytes in its
// `record` columns.
//
// Two generations of records:
// - Schema 1 (EncodeClaim, EncodeEvent): every event row held the whole claim
//   after the change, evidence included. Only the migration to schema 2 reads
//   them now, and tests write them to build a schema-1 store.
// - Schema 2: a claim's head (its fixed parts, status, revision and times plus
//   an evidence count), each evidence item once, and per event only what
//   changed (EventChange). AssembleEvent rebuilds the whole event from the
//   three, equal to the event that was written.
// Schema-2 records are encoded straight from the core values into protobuf's
// wire format (no message objects), field by field in number order, so they
// parse with record.pb.h like any other record.
//
// Times round-trip exactly (seconds + nanoseconds), including
// absl::InfinitePast() for evidence whose time was not given; a decoded value
// compares equal to the encoded one. Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_STORE_RECORD_CODEC_H_
#define CLAIMD_SERVICE_STORE_RECORD_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "service/core/claim.h"

namespace claimd::store {

// ---- Schema 1: whole claims. ----

std::string EncodeClaim(const core::Claim& claim);
// Errors: INTERNAL ("database file is corrupt: ...") when `bytes` is not a
// claim record.
absl::StatusOr<core::Claim> DecodeClaim(absl::string_view bytes);

std::string EncodeEvent(const core::ClaimEvent& event);
// Errors: INTERNAL ("database file is corrupt: ...") when `bytes` is not an
// event record.
absl::StatusOr<core::ClaimEvent> DecodeEvent(absl::string_view bytes);

// ---- Schema 2: heads, evidence items and changes. ----
// The Encode* functions replace the contents of `out`, so a caller can reuse
// one buffer (and its capacity) for every record it writes.

// A claim without its evidence, and how many items it holds.
struct ClaimHead {
  core::Claim claim;  // evidence empty
  int64_t evidence_count = 0;
};

// What an event changed. With the head of its claim (create_revision) and the
// claim's first evidence_count evidence items it is the whole event.
struct EventChange {
  int64_t revision = 0;
  core::EventType type = core::EventType::kUnspecified;
  core::VerificationStatus previous_status =
      core::VerificationStatus::kUnspecified;
  absl::Time event_time = absl::UnixEpoch();
  // The claim after the event.
  core::VerificationStatus claim_status =
      core::VerificationStatus::kUnspecified;
  int64_t claim_revision = 0;
  absl::Time claim_update_time = absl::UnixEpoch();
  int64_t evidence_count = 0;
  int64_t create_revision = 0;
  std::string actor;  // who made the change; empty in older records
};

// `claim` minus its evidence, with evidence_count = claim.evidence.size().
void EncodeClaimHead(const core::Claim& claim, std::string* out);
// Errors: INTERNAL (corrupt), also for a schema-1 record that still carries
// evidence (the migration leaves none).
absl::StatusOr<ClaimHead> DecodeClaimHead(absl::string_view bytes);

void EncodeEvidence(const core::Evidence& evidence, std::string* out);
// Errors: INTERNAL (corrupt).
absl::StatusOr<core::Evidence> DecodeEvidence(absl::string_view bytes);

// The change `event` made; its claim supplies status, revision, update time,
// evidence count and create_revision.
void EncodeEventChange(const core::ClaimEvent& event, std::string* out);
// Errors: INTERNAL (corrupt, or a schema-1 record that still holds a claim).
absl::StatusOr<EventChange> DecodeEventChange(absl::string_view bytes);

// The event `change` describes. `head` is its claim's head (evidence ignored)
// and `evidence` holds at least change.evidence_count items, of which the
// first evidence_count are used. Errors: INTERNAL when `evidence` is too
// short or `head` belongs to another incarnation (corrupt store).
absl::StatusOr<core::ClaimEventPtr> AssembleEvent(
    const EventChange& change, const core::Claim& head,
    const core::EvidenceList& evidence);

}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_RECORD_CODEC_H_
