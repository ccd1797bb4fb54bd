#include "service/store/sqlite_rows.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/util/status_macros.h"

namespace claimd::store::internal {
namespace {

// Cached statements are keyed by address: keep each SQL text in one named
// array.
constexpr char kUpsertClaim[] =
    "INSERT INTO claims (id, revision, status, record) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (id) DO UPDATE SET revision = excluded.revision,"
    " status = excluded.status, record = excluded.record";
constexpr char kDeleteClaim[] = "DELETE FROM claims WHERE id = ?1";
constexpr char kInsertRetired[] =
    "INSERT INTO retired_claims (create_revision, delete_revision, record)"
    " VALUES (?1, ?2, ?3)";
constexpr char kInsertEvidence[] =
    "INSERT INTO evidence (create_revision, seq, record) VALUES (?1, ?2, ?3)";
constexpr char kInsertEvent[] =
    "INSERT INTO events (revision, claim_id, type, record) VALUES (?1, ?2, ?3, "
    "?4)";
constexpr char kSelectEvidence[] =
    "SELECT record FROM evidence WHERE create_revision = ?1 AND seq >= ?2"
    " ORDER BY seq LIMIT ?3";
constexpr char kSelectHead[] = "SELECT record FROM claims WHERE id = ?1";
constexpr char kSelectRetiredHead[] =
    "SELECT record FROM retired_claims WHERE create_revision = ?1";

// How many of `claim`'s last evidence items `event` recorded: all of a new
// claim's, the one an update appends, none for a deletion. Evidence is
// append-only and each item carries the revision that recorded it.
size_t AddedEvidence(const core::ClaimEvent& event) {
  if (event.type == core::EventType::kDeleted) return 0;
  const core::EvidenceList& evidence = event.claim.evidence;
  size_t added = 0;
  while (added < evidence.size() &&
         evidence[evidence.size() - 1 - added].revision == event.revision) {
    ++added;
  }
  return added;
}

}  // namespace

absl::Status EventRowWriter::Write(Connection& db,
                                   const core::ClaimEvent& event) {
  const core::Claim& claim = event.claim;
  EncodeClaimHead(claim, &head_);
  if (event.type == core::EventType::kDeleted) {
    ASSIGN_OR_RETURN(CachedStatement remove, db.Cached(kDeleteClaim));
    remove->BindText(1, claim.id);
    RETURN_IF_ERROR(remove->Run());
    // Its events stay readable until compaction passes the deletion.
    ASSIGN_OR_RETURN(CachedStatement retire, db.Cached(kInsertRetired));
    retire->BindInt64(1, claim.create_revision);
    retire->BindInt64(2, event.revision);
    retire->BindBlob(3, head_);
    RETURN_IF_ERROR(retire->Run());
  } else {
    ASSIGN_OR_RETURN(CachedStatement upsert, db.Cached(kUpsertClaim));
    upsert->BindText(1, claim.id);
    upsert->BindInt64(2, claim.revision);
    upsert->BindInt64(3, static_cast<int64_t>(claim.status));
    upsert->BindBlob(4, head_);
    RETURN_IF_ERROR(upsert->Run());
    const size_t added = AddedEvidence(event);
    for (size_t seq = claim.evidence.size() - added;
         seq < claim.evidence.size(); ++seq) {
      EncodeEvidence(claim.evidence[seq], &evidence_);
      ASSIGN_OR_RETURN(CachedStatement insert, db.Cached(kInsertEvidence));
      insert->BindInt64(1, claim.create_revision);
      insert->BindInt64(2, static_cast<int64_t>(seq));
      insert->BindBlob(3, evidence_);
      RETURN_IF_ERROR(insert->Run());
    }
  }
  EncodeEventChange(event, &change_);
  ASSIGN_OR_RETURN(CachedStatement insert, db.Cached(kInsertEvent));
  insert->BindInt64(1, event.revision);
  insert->BindText(2, claim.id);
  insert->BindInt64(3, static_cast<int64_t>(event.type));
  insert->BindBlob(4, change_);
  return insert->Run();
}

absl::Status ReadEvidence(Connection& db, int64_t create_revision, int64_t from,
                          int64_t count, core::EvidenceList* out) {
  if (count <= 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(CachedStatement select, db.Cached(kSelectEvidence));
  select->BindInt64(1, create_revision);
  select->BindInt64(2, from);
  select->BindInt64(3, count);
  out->reserve(out->size() + static_cast<size_t>(count));
  int64_t read = 0;
  for (;;) {
    ASSIGN_OR_RETURN(const bool found, select->Step());
    if (!found) break;
    ASSIGN_OR_RETURN(core::Evidence evidence,
                     DecodeEvidence(select->ColumnBlob(0)));
    out->push_back(std::move(evidence));
    ++read;
  }
  if (read != count) {
    return absl::InternalError(
        absl::StrCat("database file is corrupt: the claim created at revision ",
                     create_revision, " has ", from + read,
                     " evidence items, not ", from + count));
  }
  return absl::OkStatus();
}

absl::StatusOr<core::Claim> ReadClaim(Connection& db,
                                      absl::string_view head_record) {
  ASSIGN_OR_RETURN(ClaimHead head, DecodeClaimHead(head_record));
  RETURN_IF_ERROR(ReadEvidence(db, head.claim.create_revision, 0,
                               head.evidence_count, &head.claim.evidence));
  return std::move(head.claim);
}

absl::StatusOr<std::optional<core::Claim>> ReadClaimIfMatches(
    Connection& db, absl::string_view head_record, const core::Filter& filter) {
  ASSIGN_OR_RETURN(ClaimHead head, DecodeClaimHead(head_record));
  if (!filter.Matches(head.claim, head.evidence_count)) return std::nullopt;
  RETURN_IF_ERROR(ReadEvidence(db, head.claim.create_revision, 0,
                               head.evidence_count, &head.claim.evidence));
  return std::move(head.claim);
}

absl::StatusOr<std::optional<core::Claim>> ReadLiveClaim(
    Connection& db, const std::string& id) {
  ASSIGN_OR_RETURN(CachedStatement select, db.Cached(kSelectHead));
  select->BindText(1, id);
  ASSIGN_OR_RETURN(const bool found, select->Step());
  if (!found) return std::nullopt;
  ASSIGN_OR_RETURN(core::Claim claim, ReadClaim(db, select->ColumnBlob(0)));
  return claim;
}

absl::StatusOr<core::ClaimEventPtr> EventAssembler::Assemble(
    absl::string_view claim_id, absl::string_view record) {
  ASSIGN_OR_RETURN(const EventChange change, DecodeEventChange(record));
  ASSIGN_OR_RETURN(Incarnation * incarnation,
                   Find(claim_id, change.create_revision));
  const int64_t have = static_cast<int64_t>(incarnation->evidence.size());
  if (have < change.evidence_count) {
    RETURN_IF_ERROR(ReadEvidence(db_, change.create_revision, have,
                                 change.evidence_count - have,
                                 &incarnation->evidence));
  }
  return AssembleEvent(change, incarnation->head, incarnation->evidence);
}

absl::StatusOr<EventAssembler::Incarnation*> EventAssembler::Find(
    absl::string_view claim_id, int64_t create_revision) {
  if (auto it = incarnations_.find(create_revision); it != incarnations_.end())
    return &it->second;
  std::optional<ClaimHead> head;
  {
    // Most events belong to a live claim; a deleted one's head is retired.
    ASSIGN_OR_RETURN(CachedStatement select, db_.Cached(kSelectHead));
    select->BindText(1, claim_id);
    ASSIGN_OR_RETURN(const bool found, select->Step());
    if (found) {
      ASSIGN_OR_RETURN(head, DecodeClaimHead(select->ColumnBlob(0)));
      if (head->claim.create_revision != create_revision) head.reset();
    }
  }
  if (!head.has_value()) {
    ASSIGN_OR_RETURN(CachedStatement select, db_.Cached(kSelectRetiredHead));
    select->BindInt64(1, create_revision);
    ASSIGN_OR_RETURN(const bool found, select->Step());
    if (!found) {
      return absl::InternalError(
          absl::StrCat("database file is corrupt: no head for claims/",
                       claim_id, " created at revision ", create_revision));
    }
    ASSIGN_OR_RETURN(head, DecodeClaimHead(select->ColumnBlob(0)));
  }
  Incarnation& incarnation = incarnations_[create_revision];
  incarnation.head = std::move(head->claim);
  // All of it in one range read: a page holds several events of most claims
  // it touches, and a read per event (of the one item each added) cost more
  // than the items read in vain.
  RETURN_IF_ERROR(ReadEvidence(db_, create_revision, 0, head->evidence_count,
                               &incarnation.evidence));
  return &incarnation;
}

}  // namespace claimd::store::internal
