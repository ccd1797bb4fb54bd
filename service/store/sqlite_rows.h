// The rows of schema 2 (sqlite_schema.h), written and read back as core
// values: the writer turns one committed event into a claim head, its new
// evidence items and an event change (EventRowWriter); readers rebuild claims
// from a head plus its evidence, and events from a change plus the head and
// evidence of their claim's incarnation (EventAssembler).
//
// A claim's incarnation is named by its create_revision, which is unique in
// the store (one event per revision): evidence rows are keyed by it, and a
// deleted incarnation keeps its head in `retired_claims` for as long as
// history mentions it.
//
// Thread-safety: every function and object works on one Connection, which the
// caller uses from one thread at a time; objects are not shared.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_ROWS_H_
#define CLAIMD_SERVICE_STORE_SQLITE_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/claim.h"
#include "service/core/filter/filter.h"
#include "service/store/record_codec.h"
#include "service/store/sqlite_db.h"

namespace claimd::store::internal {

// Writes what one event changed: the claim's head (or, for a deletion, moves
// it to retired_claims), the evidence items the event added, and the event
// row. Keeps its encoding buffers between calls. The caller owns the
// transaction.
class EventRowWriter {
 public:
  absl::Status Write(Connection& db, const core::ClaimEvent& event);

 private:
  std::string head_;
  std::string evidence_;
  std::string change_;
};

// Appends the evidence items [from, from + count) of the incarnation
// `create_revision` to `out`. Errors: INTERNAL when fewer are stored.
absl::Status ReadEvidence(Connection& db, int64_t create_revision, int64_t from,
                          int64_t count, core::EvidenceList* out);

// The whole claim of a `claims` row's record.
absl::StatusOr<core::Claim> ReadClaim(Connection& db,
                                      absl::string_view head_record);
// The claim of a `claims` row's record if it matches `filter`, else nullopt;
// the evidence is read only for a claim that matches.
absl::StatusOr<std::optional<core::Claim>> ReadClaimIfMatches(
    Connection& db, absl::string_view head_record, const core::Filter& filter);

// The live claim `id`, or nullopt when there is none.
absl::StatusOr<std::optional<core::Claim>> ReadLiveClaim(Connection& db,
                                                         const std::string& id);

// Rebuilds events from their rows. The first event of a claim incarnation
// reads its head and all its evidence (one range read); later events of the
// same incarnation reuse them, so a page of events costs two reads per claim
// it touches, not per event. Use one per read transaction.
class EventAssembler {
 public:
  explicit EventAssembler(Connection& db) : db_(db) {}
  EventAssembler(const EventAssembler&) = delete;
  EventAssembler& operator=(const EventAssembler&) = delete;

  // `claim_id` and `record` are the event row's columns. Errors: INTERNAL
  // (corrupt: an undecodable record, a missing head or evidence).
  absl::StatusOr<core::ClaimEventPtr> Assemble(absl::string_view claim_id,
                                               absl::string_view record);

 private:
  struct Incarnation {
    core::Claim head;
    core::EvidenceList evidence;  // a prefix of the claim's
  };
  absl::StatusOr<Incarnation*> Find(absl::string_view claim_id,
                                    int64_t create_revision);

  Connection& db_;
  absl::flat_hash_map<int64_t, Incarnation> incarnations_;
};

}  // namespace claimd::store::internal

#endif  // CLAIMD_SERVICE_STORE_SQLITE_ROWS_H_
