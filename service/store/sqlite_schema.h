// The SQLite store's schema, its migrations, and the per-connection settings.
//
// Schema (version 1):
//   meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID
//     'revision': revision of the last committed event (0: none yet)
//     'compact_revision': events at or below it were trimmed (0: none were)
//   claims (id TEXT PRIMARY KEY, revision INTEGER, status INTEGER,
//           record BLOB) WITHOUT ROWID
//     The current state; `record` is a claimd.store.v1.ClaimRecord. Deleted
//     claims have no row. BINARY collation orders ids like std::string, which
//     List relies on.
//   events (revision INTEGER PRIMARY KEY, claim_id TEXT, type INTEGER,
//           record BLOB)
//     + INDEX events_by_claim (claim_id, revision)
//     The history, one row per revision; `record` is a
//     claimd.store.v1.EventRecord.
//   requests (request_id TEXT PRIMARY KEY, revision INTEGER,
//             fingerprint INTEGER) WITHOUT ROWID
//     + INDEX requests_by_revision (revision)
//     Idempotency keys: the revision a request_id wrote and the
//     MutationFingerprint of the request (a uint64 stored bit-for-bit as a
//     signed integer).
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
inline constexpr int kSchemaVersion = 1;
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

// Brings the database to kSchemaVersion, creating it when empty.
// Errors: FAILED_PRECONDITION when the file is another application's database
// or has a schema newer than kSchemaVersion; otherwise as mapped by
// SqliteError.
absl::Status Migrate(Connection& db);

}  // namespace claimd::store::internal

#endif  // CLAIMD_SERVICE_STORE_SQLITE_SCHEMA_H_
