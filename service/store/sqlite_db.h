// Thin RAII wrappers over the SQLite C API for the SQLite store: a connection,
// prepared statements and the mapping of SQLite result codes to absl::Status.
// Internal to service/store (tests use it to tamper with database files);
// sqlite3.h itself is only included by .cc files in this folder.
//
// Error mapping (SqliteError):
//   BUSY, LOCKED, FULL, IOERR  -> UNAVAILABLE (transient: a lock, the disk)
//   CORRUPT, NOTADB            -> INTERNAL "database file is corrupt"
//   CANTOPEN, PERM, READONLY   -> FAILED_PRECONDITION (fix the file first)
//   anything else              -> INTERNAL
// Every message carries sqlite3_errmsg.
//
// Thread-safety: a Connection and its statements belong to one thread at a time
// (connections are opened with SQLITE_OPEN_NOMUTEX); callers provide the
// exclusion.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_DB_H_
#define CLAIMD_SERVICE_STORE_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace claimd::store::internal {

// `context` says what was being done ("commit"); the message reads
// "<context>: <sqlite errmsg> (<sqlite error name>)".
absl::Status SqliteError(int rc, sqlite3* db, absl::string_view context);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, like sqlite3_bind_*. Text and blobs are copied.
  void BindInt64(int index, int64_t value);
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);

  // true: a row is ready; false: done. Errors mapped by SqliteError.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows to completion.
  absl::Status Run();

  // Columns are 0-based. Views stay valid until the next Step or Reset.
  int64_t ColumnInt64(int column);
  absl::string_view ColumnText(int column);
  absl::string_view ColumnBlob(int column);

  // Ends the current execution and clears the bindings, ready for the next use.
  void Reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// A statement borrowed from a Connection's cache; resets it when it goes away,
// so a cached statement never keeps a read transaction open.
class CachedStatement {
 public:
  explicit CachedStatement(Statement* statement) : statement_(statement) {}
  ~CachedStatement() {
    if (statement_ != nullptr) statement_->Reset();
  }
  CachedStatement(CachedStatement&& other) noexcept
      : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  CachedStatement& operator=(CachedStatement&&) = delete;

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

class Connection {
 public:
  struct Options {
    bool read_only = false;  // PRAGMA query_only: the connection cannot write
    bool create = false;     // create the file when it is missing
    absl::Duration busy_timeout = absl::Seconds(5);
    // Name of a registered sqlite3_vfs; empty: SQLite's default. Tests inject
    // I/O faults through one.
    std::string vfs;
  };

  // Errors: see the mapping above; CANTOPEN -> FAILED_PRECONDITION.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, const Options& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more ';'-separated statements that return no rows.
  absl::Status Exec(absl::string_view sql);
  // Runs `sql` and returns column 0 of its first row as an integer (0 when no
  // row).
  absl::StatusOr<int64_t> QueryInt64(absl::string_view sql);
  absl::StatusOr<std::string> QueryText(absl::string_view sql);

  absl::StatusOr<std::unique_ptr<Statement>> Prepare(absl::string_view sql);
  // A statement prepared once per connection and reused; `sql` must be a string
  // literal (the cache is keyed by its address).
  absl::StatusOr<CachedStatement> Cached(const char* sql);

  // false once a statement error made SQLite roll the open transaction back by
  // itself (it does so for some FULL, IOERR, BUSY and NOMEM errors).
  bool InTransaction() const;

  // Replaces SQLite's automatic checkpoints: after each commit of this
  // connection, `*wal_frames` (which must outlive the connection) is set to the
  // number of frames in the WAL, and nothing is checkpointed.
  void TrackWalFrames(int* wal_frames);
  // A PASSIVE checkpoint: copies what it can without waiting for anyone.
  // Another connection's checkpoint in progress is not an error (nothing to
  // do).
  absl::Status CheckpointPassive();

  absl::Status Error(int rc, absl::string_view context) const;
  const std::string& path() const { return path_; }
  // The SQLite handle, for APIs this wrapper does not cover (the online
  // backup in sqlite_backup.cc).
  sqlite3* raw() const { return db_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  absl::flat_hash_map<const char*, std::unique_ptr<Statement>> cache_;
};

}  // namespace claimd::store::internal

#endif  // CLAIMD_SERVICE_STORE_SQLITE_DB_H_
