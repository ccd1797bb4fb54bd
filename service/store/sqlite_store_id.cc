#include "service/store/sqlite_store_id.h"

#include <cstdint>
#include <memory>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "service/util/status_macros.h"

namespace claimd::store::internal {
namespace {

constexpr char kSelect[] =
    "SELECT (SELECT value FROM meta WHERE key = 'store_id_hi'),"
    " (SELECT value FROM meta WHERE key = 'store_id_lo')";

std::string Render(int64_t hi, int64_t lo) {
  return absl::StrFormat("%016x%016x", static_cast<uint64_t>(hi),
                         static_cast<uint64_t>(lo));
}

// Writes a fresh random id; the caller holds the write transaction. `replace`
// overwrites an existing one, otherwise rows already there are kept.
absl::StatusOr<std::string> WriteRandomLocked(Connection& db, bool replace,
                                              const std::string& avoid) {
  // Seeded from the operating system's entropy: two stores (or two restores of
  // one backup) never share an id in practice.
  absl::BitGen gen;
  int64_t hi = 0;
  int64_t lo = 0;
  do {
    hi = static_cast<int64_t>(absl::Uniform<uint64_t>(gen));
    lo = static_cast<int64_t>(absl::Uniform<uint64_t>(gen));
  } while (Render(hi, lo) == avoid);
  ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> insert,
      db.Prepare(replace ? "INSERT OR REPLACE INTO meta (key, value) VALUES "
                           "('store_id_hi', ?1), ('store_id_lo', ?2)"
                         : "INSERT OR IGNORE INTO meta (key, value) VALUES "
                           "('store_id_hi', ?1), ('store_id_lo', ?2)"));
  insert->BindInt64(1, hi);
  insert->BindInt64(2, lo);
  RETURN_IF_ERROR(insert->Run());
  return Render(hi, lo);
}

absl::StatusOr<std::string> InWriteTransaction(Connection& db, bool replace,
                                               const std::string& avoid) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  absl::Status status = WriteRandomLocked(db, replace, avoid).status();
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) {
    if (db.InTransaction()) db.Exec("ROLLBACK").IgnoreError();
    return status;
  }
  // Read back: with INSERT OR IGNORE another process may have won the race.
  return ReadStoreId(db);
}

}  // namespace

absl::StatusOr<std::string> ReadStoreId(Connection& db) {
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> select, db.Prepare(kSelect));
  ASSIGN_OR_RETURN(const bool row, select->Step());
  // A missing row reads as SQL NULL; ColumnInt64 would turn it into 0, so ask
  // for the text form, which is empty for NULL.
  if (!row || select->ColumnText(0).empty() || select->ColumnText(1).empty()) {
    return absl::NotFoundError("the store has no store id");
  }
  return Render(select->ColumnInt64(0), select->ColumnInt64(1));
}

absl::StatusOr<std::string> LoadOrCreateStoreId(Connection& db) {
  absl::StatusOr<std::string> id = ReadStoreId(db);
  if (id.ok() || id.status().code() != absl::StatusCode::kNotFound) return id;
  return InWriteTransaction(db, /*replace=*/false, /*avoid=*/"");
}

absl::StatusOr<std::string> ReplaceStoreId(Connection& db) {
  absl::StatusOr<std::string> old = ReadStoreId(db);
  if (!old.ok() && old.status().code() != absl::StatusCode::kNotFound) {
    return old.status();
  }
  return InWriteTransaction(db, /*replace=*/true, old.ok() ? *old : "");
}

}  // namespace claimd::store::internal
