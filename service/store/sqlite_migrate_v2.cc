// The step from schema 1 to schema 2 (sqlite_schema.h): whole-claim records
// become heads, evidence items and event changes, in place and inside the
// migration's transaction. Rows are read in chunks and rewritten between
// chunks, because SQLite does not define what a running SELECT sees of rows
// changed under it.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/store/record_codec.h"
#include "service/store/sqlite_schema.h"
#include "service/util/status_macros.h"

namespace claimd::store::internal {
namespace {

constexpr int kChunk = 1000;

// Runs `statement` (bound by the caller) and makes it ready for the next use.
absl::Status RunOnce(Statement& statement) {
  absl::Status status = statement.Run();
  statement.Reset();
  return status;
}

absl::Status InsertEvidence(Statement& insert, const core::Claim& claim) {
  std::string record;
  for (size_t seq = 0; seq < claim.evidence.size(); ++seq) {
    EncodeEvidence(claim.evidence[seq], &record);
    insert.BindInt64(1, claim.create_revision);
    insert.BindInt64(2, static_cast<int64_t>(seq));
    insert.BindBlob(3, record);
    RETURN_IF_ERROR(RunOnce(insert));
  }
  return absl::OkStatus();
}

// Live claims: the record becomes the head; the evidence moves to its table.
absl::Status MigrateClaims(Connection& db) {
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> select,
                   db.Prepare("SELECT id, record FROM claims WHERE id > ?1 "
                              "ORDER BY id LIMIT ?2"));
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> update,
                   db.Prepare("UPDATE claims SET record = ?2 WHERE id = ?1"));
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> insert,
                   db.Prepare("INSERT INTO evidence (create_revision, seq, "
                              "record) VALUES (?1, ?2, ?3)"));
  std::string after;
  for (;;) {
    std::vector<core::Claim> chunk;
    select->BindText(1, after);
    select->BindInt64(2, kChunk);
    for (;;) {
      ASSIGN_OR_RETURN(const bool found, select->Step());
      if (!found) break;
      ASSIGN_OR_RETURN(core::Claim claim, DecodeClaim(select->ColumnBlob(1)));
      chunk.push_back(std::move(claim));
    }
    select->Reset();
    if (chunk.empty()) return absl::OkStatus();
    std::string head;
    for (const core::Claim& claim : chunk) {
      EncodeClaimHead(claim, &head);
      update->BindText(1, claim.id);
      update->BindBlob(2, head);
      RETURN_IF_ERROR(RunOnce(*update));
      RETURN_IF_ERROR(InsertEvidence(*insert, claim));
    }
    after = chunk.back().id;
  }
}

// Events: each record becomes the change it made. A deletion's record held the
// claim's last state: that is the retired head (and evidence) its earlier
// events need.
absl::Status MigrateEvents(Connection& db) {
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> select,
                   db.Prepare("SELECT record FROM events WHERE revision > ?1 "
                              "ORDER BY revision LIMIT ?2"));
  ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> update,
      db.Prepare("UPDATE events SET record = ?2 WHERE revision = ?1"));
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> retire,
                   db.Prepare("INSERT INTO retired_claims (create_revision, "
                              "delete_revision, record) VALUES (?1, ?2, ?3)"));
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> insert,
                   db.Prepare("INSERT INTO evidence (create_revision, seq, "
                              "record) VALUES (?1, ?2, ?3)"));
  int64_t after = 0;
  for (;;) {
    std::vector<core::ClaimEvent> chunk;
    select->BindInt64(1, after);
    select->BindInt64(2, kChunk);
    for (;;) {
      ASSIGN_OR_RETURN(const bool found, select->Step());
      if (!found) break;
      ASSIGN_OR_RETURN(core::ClaimEvent event,
                       DecodeEvent(select->ColumnBlob(0)));
      chunk.push_back(std::move(event));
    }
    select->Reset();
    if (chunk.empty()) return absl::OkStatus();
    std::string record;
    for (const core::ClaimEvent& event : chunk) {
      if (event.type == core::EventType::kDeleted) {
        EncodeClaimHead(event.claim, &record);
        retire->BindInt64(1, event.claim.create_revision);
        retire->BindInt64(2, event.revision);
        retire->BindBlob(3, record);
        RETURN_IF_ERROR(RunOnce(*retire));
        RETURN_IF_ERROR(InsertEvidence(*insert, event.claim));
      }
      EncodeEventChange(event, &record);
      update->BindInt64(1, event.revision);
      update->BindBlob(2, record);
      RETURN_IF_ERROR(RunOnce(*update));
    }
    after = chunk.back().revision;
  }
}

}  // namespace

absl::Status MigrateRecordsToSchema2(Connection& db) {
  RETURN_IF_ERROR(MigrateClaims(db));
  return MigrateEvents(db);
}

}  // namespace claimd::store::internal
