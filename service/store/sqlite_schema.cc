#include "service/store/sqlite_schema.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "service/util/status_macros.h"

namespace claimd::store::internal {
namespace {

struct Migration {
  int version;      // user_version after this step
  const char* sql;  // runs inside the step's transaction
  // Then, when set: record rewrites that SQL cannot express.
  absl::Status (*rewrite)(Connection& db);
};

}  // namespace

const char* const kSchema1Sql = R"sql(
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('revision', 0), ('compact_revision', 0);

      CREATE TABLE claims (
        id TEXT PRIMARY KEY,
        revision INTEGER NOT NULL,
        status INTEGER NOT NULL,
        record BLOB NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE events (
        revision INTEGER PRIMARY KEY,
        claim_id TEXT NOT NULL,
        type INTEGER NOT NULL,
        record BLOB NOT NULL
      );
      CREATE INDEX events_by_claim ON events (claim_id, revision);

      CREATE TABLE requests (
        request_id TEXT PRIMARY KEY,
        revision INTEGER NOT NULL,
        fingerprint INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX requests_by_revision ON requests (revision);
    )sql";

namespace {

// Append-only: never edit a step that has shipped; add a new one.
const Migration kMigrations[] = {
    {1, kSchema1Sql, nullptr},
    {2, R"sql(
      CREATE TABLE evidence (
        create_revision INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (create_revision, seq)
      ) WITHOUT ROWID;

      CREATE TABLE retired_claims (
        create_revision INTEGER PRIMARY KEY,
        delete_revision INTEGER NOT NULL,
        record BLOB NOT NULL
      );
      CREATE INDEX retired_by_delete ON retired_claims (delete_revision);
    )sql",
     &MigrateRecordsToSchema2},
};

static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion,
              "one migration step per schema version");

// Runs one step; the caller holds the write transaction.
absl::Status RunStep(Connection& db, const Migration& step) {
  RETURN_IF_ERROR(db.Exec(step.sql));
  if (step.rewrite != nullptr) RETURN_IF_ERROR(step.rewrite(db));
  return db.Exec(absl::StrCat("PRAGMA user_version = ", step.version));
}

absl::Status MigrateLocked(Connection& db) {
  ASSIGN_OR_RETURN(const int64_t application_id,
                   db.QueryInt64("PRAGMA application_id"));
  if (application_id != 0 && application_id != kApplicationId) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database ", db.path(), " is not a claimd database (application_id ",
        application_id, ")"));
  }
  ASSIGN_OR_RETURN(const int64_t version, db.QueryInt64("PRAGMA user_version"));
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database ", db.path(), " has schema version ", version,
        ", newer than this claimd understands (", kSchemaVersion,
        "); run a newer claimd or restore a backup made by this version"));
  }
  if (version == 0) {
    // A fresh file must be empty: refuse to take over someone else's tables.
    ASSIGN_OR_RETURN(const int64_t objects,
                     db.QueryInt64("SELECT count(*) FROM sqlite_schema"));
    if (objects != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database ", db.path(), " has tables but no claimd schema version"));
    }
    RETURN_IF_ERROR(
        db.Exec(absl::StrCat("PRAGMA application_id = ", kApplicationId)));
  }
  for (const Migration& step : kMigrations) {
    if (step.version > version) RETURN_IF_ERROR(RunStep(db, step));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ConfigureWriter(Connection& db, bool durable, int cache_mib) {
  // journal_mode is stored in the file; it cannot change inside a transaction.
  ASSIGN_OR_RETURN(const std::string mode,
                   db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return absl::FailedPreconditionError(absl::StrCat(
        "database ", db.path(),
        " cannot use write-ahead logging (journal mode ", mode, ")"));
  }
  RETURN_IF_ERROR(db.Exec(durable ? "PRAGMA synchronous = FULL"
                                  : "PRAGMA synchronous = NORMAL"));
  // A negative cache_size is in KiB.
  RETURN_IF_ERROR(db.Exec(
      absl::StrCat("PRAGMA cache_size = -", int64_t{cache_mib} * 1024)));
  // After a checkpoint (SQLite's automatic one every 1000 WAL pages, or the
  // store's background checkpointer, which replaces it), keep at most 64 MiB
  // of WAL file instead of the high-water mark of a burst.
  return db.Exec("PRAGMA journal_size_limit = 67108864");
}

absl::Status Migrate(Connection& db) {
  // IMMEDIATE: two processes opening the same new file cannot both create the
  // schema.
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  absl::Status status = MigrateLocked(db);
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok() && db.InTransaction()) db.Exec("ROLLBACK").IgnoreError();
  return status;
}

}  // namespace claimd::store::internal
