// The SQLite store's schema, its migrations, and the per-connection settings.
//
// Schema (version 2):
//   meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID
//     'revision': revision of the last committed event (0: none yet)
//     'compact_revision': events at or below it were trimmed (0: none were)
//   claims (id TEXT PRIMARY KEY, revision INTEGER, status INTEGER,
//           record BLOB) WITHOUT ROWID
//     The current state; `record` is the claim's head, a
//     claimd.store.v1.ClaimRecord without evidence but with its count.
//     Deleted claims have no row. BINARY collation orders ids like
//     std::string, which List relies on.
//   evidence (create_revision INTEGER, seq INTEGER, record BLOB,
//             PRIMARY KEY (create_revision, seq)) WITHOUT ROWID
//     Every evidence item once (evidence is append-only): the seq-th item of
//     the claim incarnation created at create_revision, a
//     claimd.store.v1.EvidenceRecord.
//   retired_claims (create_revision INTEGER PRIMARY KEY,
//                   delete_revision INTEGER, record BLOB)
//     + INDEX retired_by_delete (delete_revision)
//     The head of a deleted claim as its deletion left it, kept (with its
//     evidence) until compaction passes delete_revision: its events still
//     need it.
//   events (revision INTEGER PRIMARY KEY, claim_id TEXT, type INTEGER,
//           record BLOB)
//     + INDEX events_by_claim (claim_id, revision)
//     The history, one row per revision; `record` is a
//     claimd.store.v1.EventRecord holding only what changed (status, time,
//     evidence count, incarnation), so history grows linearly with evidence.
//   requests (request_id TEXT PRIMARY KEY, revision INTEGER,
//             fingerprint INTEGER) WITHOUT ROWID
//     + INDEX requests_by_revision (revision)
//     Idempotency keys: the revision a request_id wrote and the
//     MutationFingerprint of the request (a uint64 stored bit-for-bit as a
//     signed integer).
// Version 1 had no evidence or retired_claims table and kept whole claims in
// both claims.record and events.record; the step to 2 rewrites those rows in
// place (sqlite_migrate_v2.cc).
//
// The version lives in PRAGMA user_version and PRAGMA application_id marks the
// file as claimd's. Migrations only move forward, one transaction per step; a
// database from a newer claimd is refused rather than guessed at.
// Thread-safety: functions over one connection, which the caller owns
// exclusively.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_SCHEMA_H_
#define CLAIMD_SERVICE_STORE_SQLITE_SCHEMA_H_

#include "absl/status/status.h"
#include "service/store/sqlite_db.h"

namespace claimd::store::internal {

// The schema version this binary writes and understands.
inline constexpr int kSchemaVersion = 2;
// PRAGMA application_id of claimd databases ("clmd").
inline constexpr int kApplicationId = 0x636c6d64;

// Writer settings: WAL journal, synchronous FULL (`durable`) or NORMAL
// (survives a process crash, not a power loss), a page cache of `cache_mib`
// MiB, and a cap on the WAL file kept after checkpoints. Checkpoints are
// SQLite's automatic PASSIVE ones (every 1000 WAL pages, run by the committing
// writer) unless the store moves them to a thread of their own
// (sqlite_checkpointer.h); either way a long read transaction such as a big
// ReadSnapshot holds them back, so the WAL can grow meanwhile and is truncated
// to 64 MiB by the next checkpoint that completes.
absl::Status ConfigureWriter(Connection& db, bool durable, int cache_mib);

// Brings the database to kSchemaVersion, creating it when empty. All steps
// run in one transaction: a failure (or a crash) leaves the file as it was.
// Errors: FAILED_PRECONDITION when the file is another application's database
// or has a schema newer than kSchemaVersion; otherwise as mapped by
// SqliteError.
absl::Status Migrate(Connection& db);

// The step from version 1 to 2 that SQL alone cannot do: moves evidence out of
// claim records into the evidence table, turns event records into changes and
// keeps the heads of deleted claims that history still mentions. Runs inside
// the migration's transaction (sqlite_migrate_v2.cc).
absl::Status MigrateRecordsToSchema2(Connection& db);

// Version 1's tables, exactly as version 1 created them; tests build
// version-1 files with it.
extern const char* const kSchema1Sql;

}  // namespace claimd::store::internal

#endif  // CLAIMD_SERVICE_STORE_SQLITE_SCHEMA_H_
