#include "service/store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace claimd::store::internal {

absl::Status SqliteError(int rc, sqlite3* db, absl::string_view context) {
  // sqlite3_errmsg describes the most recent error on `db`, with detail (which
  // constraint, which file); sqlite3_errstr only names the code.
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return absl::UnavailableError(
          absl::StrCat(context, ": ", detail, " (", sqlite3_errstr(rc), ")"));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::InternalError(
          absl::StrCat(context, ": database file is corrupt: ", detail, " (",
                       sqlite3_errstr(rc), ")"));
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(
          absl::StrCat(context, ": ", detail, " (", sqlite3_errstr(rc), ")"));
    default:
      return absl::InternalError(
          absl::StrCat(context, ": ", detail, " (", sqlite3_errstr(rc), ")"));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::BindInt64(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

void Statement::BindText(int index, absl::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                      SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::BindBlob(int index, absl::string_view value) {
  // A zero-length blob must still bind a blob, not NULL: pass a non-null
  // pointer.
  sqlite3_bind_blob64(stmt_, index, value.empty() ? "" : value.data(),
                      value.size(), SQLITE_TRANSIENT);
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, db_,
                     absl::StrCat("executing \"", sqlite3_sql(stmt_), "\""));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

int64_t Statement::ColumnInt64(int column) {
  return sqlite3_column_int64(stmt_, column);
}

absl::string_view Statement::ColumnText(int column) {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return absl::string_view(
      reinterpret_cast<const char*>(text),
      static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

absl::string_view Statement::ColumnBlob(int column) {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return {};
  return absl::string_view(
      static_cast<const char*>(blob),
      static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& path, const Options& options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, flags,
                      options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    absl::Status status =
        SqliteError(rc, db, absl::StrCat("opening database ", path));
    sqlite3_close_v2(db);  // open allocates a handle even when it fails
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(
      db, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  std::unique_ptr<Connection> connection(new Connection(db, path));
  if (options.read_only) {
    // Readers open read-write (a WAL reader may need to write the -shm index)
    // but are barred from changing the database.
    absl::Status status = connection->Exec("PRAGMA query_only = ON");
    if (!status.ok()) return status;
  }
  return connection;
}

Connection::~Connection() {
  cache_.clear();  // finalize before closing
  sqlite3_close_v2(db_);
}

absl::Status Connection::Exec(absl::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg still has it
  if (rc != SQLITE_OK)
    return Error(rc, absl::StrCat("executing \"", sql, "\""));
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::QueryInt64(absl::string_view sql) {
  absl::StatusOr<std::unique_ptr<Statement>> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = (*statement)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*statement)->ColumnInt64(0) : 0;
}

absl::StatusOr<std::string> Connection::QueryText(absl::string_view sql) {
  absl::StatusOr<std::unique_ptr<Statement>> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = (*statement)->Step();
  if (!row.ok()) return row.status();
  return *row ? std::string((*statement)->ColumnText(0)) : std::string();
}

absl::StatusOr<std::unique_ptr<Statement>> Connection::Prepare(
    absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK)
    return Error(rc, absl::StrCat("preparing \"", sql, "\""));
  return std::make_unique<Statement>(db_, stmt);
}

absl::StatusOr<CachedStatement> Connection::Cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    absl::StatusOr<std::unique_ptr<Statement>> statement = Prepare(sql);
    if (!statement.ok()) return statement.status();
    it = cache_.emplace(sql, *std::move(statement)).first;
  }
  return CachedStatement(it->second.get());
}

void Connection::TrackWalFrames(int* wal_frames) {
  sqlite3_wal_hook(
      db_,
      [](void* frames, sqlite3*, const char*, int count) {
        *static_cast<int*>(frames) = count;
        return SQLITE_OK;
      },
      wal_frames);
}

absl::Status Connection::CheckpointPassive() {
  const int rc = sqlite3_wal_checkpoint_v2(
      db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY) return absl::OkStatus();
  return Error(rc, "checkpointing the write-ahead log");
}

bool Connection::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

absl::Status Connection::Error(int rc, absl::string_view context) const {
  return SqliteError(rc, db_, context);
}

}  // namespace claimd::store::internal
