#include "service/store/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "service/store/sqlite_db.h"
#include "service/store/sqlite_schema.h"
#include "service/store/sqlite_store_id.h"
#include "service/util/status_macros.h"

namespace claimd::store {
namespace {

namespace fs = std::filesystem;
using internal::Connection;

std::string ParentDir(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// The pieces of the copy that must be checked before the file is sealed.
absl::Status CheckCopy(Connection& copy, int64_t revision, BackupInfo& info) {
  // The copy carries the source's WAL flag in its header; a backup is one
  // self-contained file, so switch it to a rollback journal first.
  ASSIGN_OR_RETURN(const std::string mode,
                   copy.QueryText("PRAGMA journal_mode = DELETE"));
  if (mode != "delete") {
    return absl::InternalError(
        absl::StrCat("the copy stays in journal mode ", mode));
  }
  ASSIGN_OR_RETURN(const std::string integrity,
                   copy.QueryText("PRAGMA integrity_check(1)"));
  if (integrity != "ok") {
    return absl::FailedPreconditionError(
        absl::StrCat("the copy failed SQLite's integrity check: ", integrity,
                     " (the store itself may be damaged: run PRAGMA "
                     "integrity_check on it)"));
  }
  ASSIGN_OR_RETURN(
      info.revision,
      copy.QueryInt64("SELECT value FROM meta WHERE key = 'revision'"));
  if (info.revision != revision) {
    return absl::InternalError(
        absl::StrCat("the copy is at revision ", info.revision,
                     " but the read transaction saw ", revision));
  }
  ASSIGN_OR_RETURN(
      info.compact_revision,
      copy.QueryInt64("SELECT value FROM meta WHERE key = 'compact_revision'"));
  ASSIGN_OR_RETURN(info.schema_version, copy.QueryInt64("PRAGMA user_version"));
  ASSIGN_OR_RETURN(info.claims, copy.QueryInt64("SELECT count(*) FROM claims"));
  absl::StatusOr<std::string> store_id = internal::ReadStoreId(copy);
  if (store_id.ok()) {
    info.store_id = *store_id;
  } else if (store_id.status().code() != absl::StatusCode::kNotFound) {
    return store_id.status();
  }  // else: a store no claimd with store ids has opened yet; a restore makes
     // one
  return absl::OkStatus();
}

// Copies every page of `source` (inside its open read transaction) to `dest`.
absl::Status CopyPages(Connection& source, Connection& dest,
                       const BackupOptions& options, int64_t revision) {
  sqlite3_backup* backup =
      sqlite3_backup_init(dest.raw(), "main", source.raw(), "main");
  if (backup == nullptr) {
    return dest.Error(sqlite3_errcode(dest.raw()), "starting the backup");
  }
  auto finish = absl::MakeCleanup([backup] { sqlite3_backup_finish(backup); });
  ASSIGN_OR_RETURN(const int64_t page_size,
                   source.QueryInt64("PRAGMA page_size"));
  ASSIGN_OR_RETURN(const int64_t pages, source.QueryInt64("PRAGMA page_count"));
  if (options.on_start) options.on_start(revision, pages);
  // A throttled copy steps about a tenth of a second's worth of pages at a
  // time: in steps of pages_per_step, a store smaller than one step would be
  // copied at full speed, whatever the rate.
  int64_t step_pages = std::max(1, options.pages_per_step);
  if (options.max_bytes_per_second > 0) {
    step_pages = std::clamp<int64_t>(
        options.max_bytes_per_second / 10 / std::max<int64_t>(page_size, 1), 1,
        step_pages);
  }
  const absl::Time start = absl::Now();
  while (true) {
    const int rc = sqlite3_backup_step(backup, static_cast<int>(step_pages));
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_OK) return dest.Error(rc, "copying pages");
    const int64_t total = sqlite3_backup_pagecount(backup);
    const int64_t copied = total - sqlite3_backup_remaining(backup);
    if (options.on_progress) options.on_progress(copied, total);
    if (options.max_bytes_per_second > 0) {
      const absl::Time due =
          start + absl::Seconds(static_cast<double>(copied * page_size) /
                                options.max_bytes_per_second);
      absl::SleepFor(due - absl::Now());  // no-op when already late
    }
  }
  std::move(finish).Cancel();
  const int rc = sqlite3_backup_finish(backup);
  if (rc != SQLITE_OK) return dest.Error(rc, "finishing the backup");
  return absl::OkStatus();
}

absl::StatusOr<BackupInfo> WriteBackup(const std::string& db_path,
                                       const std::string& partial,
                                       const BackupOptions& options) {
  Connection::Options read;
  read.read_only = true;
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> source,
                   Connection::Open(db_path, read));
  ASSIGN_OR_RETURN(const int64_t application_id,
                   source->QueryInt64("PRAGMA application_id"));
  if (application_id != internal::kApplicationId) {
    return absl::FailedPreconditionError(
        absl::StrCat(db_path, " is not a claimd database"));
  }
  // One read transaction for the whole copy: the backup API reuses the
  // source's open transaction, so every step reads the same snapshot and
  // commits made meanwhile by claimd (another connection) neither restart nor
  // tear the copy.
  RETURN_IF_ERROR(source->Exec("BEGIN"));
  auto end_read =
      absl::MakeCleanup([&source] { source->Exec("COMMIT").IgnoreError(); });
  ASSIGN_OR_RETURN(
      const int64_t revision,
      source->QueryInt64("SELECT value FROM meta WHERE key = 'revision'"));

  Connection::Options write;
  write.create = true;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> dest,
                     Connection::Open(partial, write));
    // The .partial file is disposable until it is sealed: no journal, and it
    // is synced once, whole, when sealed.
    RETURN_IF_ERROR(dest->Exec("PRAGMA journal_mode = OFF"));
    RETURN_IF_ERROR(dest->Exec("PRAGMA synchronous = OFF"));
    RETURN_IF_ERROR(CopyPages(*source, *dest, options, revision));
  }
  std::move(end_read).Invoke();
  source.reset();

  BackupInfo info;
  info.created = absl::Now();
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> copy,
                     Connection::Open(partial, Connection::Options{}));
    RETURN_IF_ERROR(CheckCopy(*copy, revision, info));
  }
  const int fd = open(partial.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot reopen ", partial, ": ",
                     std::generic_category().message(errno)));
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot stat ", partial));
  }
  info.database_bytes = st.st_size;
  RETURN_IF_ERROR(internal::SealBackupFile(fd, info));
  return info;
}

void RemoveQuietly(const std::string& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

}  // namespace

absl::StatusOr<BackupInfo> BackupStore(const std::string& data_dir,
                                       const std::string& file,
                                       const BackupOptions& options) {
  const std::string db_path = DatabasePath(data_dir);
  std::error_code error;
  if (!fs::is_regular_file(db_path, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no claimd store in ", data_dir, " (", db_path, " does not exist)"));
  }
  if (fs::exists(file, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        file, " exists: a backup never overwrites a file; pick a new name"));
  }
  if (!fs::is_directory(ParentDir(file), error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the directory of ", file, " (", ParentDir(file),
                     ") does not exist: create it first"));
  }
  const std::string partial = file + ".partial";
  // A .partial left by a backup that was killed is never a usable backup.
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    RemoveQuietly(partial + suffix);
  absl::StatusOr<BackupInfo> info = WriteBackup(db_path, partial, options);
  if (!info.ok()) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"})
      RemoveQuietly(partial + suffix);
    return absl::Status(info.status().code(),
                        absl::StrCat("backup of ", data_dir, " to ", file,
                                     " failed: ", info.status().message()));
  }
  fs::rename(partial, file, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot rename ", partial, " to ", file, ": ", error.message()));
  }
  RETURN_IF_ERROR(internal::SyncDirectory(ParentDir(file)));
  return info;
}

absl::StatusOr<BackupInfo> VerifyBackup(const std::string& file) {
  return internal::ReadBackupFile(file);
}

namespace {

absl::StatusOr<std::string> PrepareRestored(const std::string& staging,
                                            const BackupInfo& info) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> db,
                   Connection::Open(staging, Connection::Options{}));
  ASSIGN_OR_RETURN(const std::string integrity,
                   db->QueryText("PRAGMA integrity_check(1)"));
  if (integrity != "ok") {
    return absl::FailedPreconditionError(absl::StrCat(
        "the backup's database fails SQLite's integrity check: ", integrity));
  }
  ASSIGN_OR_RETURN(const int64_t application_id,
                   db->QueryInt64("PRAGMA application_id"));
  ASSIGN_OR_RETURN(
      const int64_t revision,
      db->QueryInt64("SELECT value FROM meta WHERE key = 'revision'"));
  if (application_id != internal::kApplicationId || revision != info.revision) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the backup's database does not match its trailer (revision ", revision,
        ", trailer says ", info.revision, ")"));
  }
  // A new identity: the restored store will write revisions after the
  // backup's that differ from those the old store wrote.
  return internal::ReplaceStoreId(*db);
}

// The caller holds the data directory's lock.
absl::StatusOr<RestoreResult> Restore(const std::string& file,
                                      const BackupInfo& info,
                                      const std::string& data_dir) {
  const std::string staging = DatabasePath(data_dir) + ".restoring";
  RETURN_IF_ERROR(internal::CopyDatabaseImage(file, info, staging));
  RestoreResult result{.backup = info};
  ASSIGN_OR_RETURN(result.store_id, PrepareRestored(staging, info));
  {
    // Opened once as claimd opens it (schema migration, WAL): what claimd will
    // serve is checked here, not at its first start.
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteClaimStore> store,
                     SqliteClaimStore::Open(staging, SqliteStoreOptions{}));
    if (store->CurrentRevision() != info.revision ||
        store->StoreId() != result.store_id) {
      return absl::InternalError(absl::StrCat(
          "the restored store opened at revision ", store->CurrentRevision(),
          " with store id ", store->StoreId(), ", not ", info.revision, " / ",
          result.store_id));
    }
    store->Close();
  }
  std::error_code error;
  fs::rename(staging, DatabasePath(data_dir), error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", staging, ": ", error.message()));
  }
  RETURN_IF_ERROR(internal::SyncDirectory(data_dir));
  return result;
}

}  // namespace

absl::StatusOr<RestoreResult> RestoreStore(const std::string& file,
                                           const std::string& data_dir) {
  std::error_code error;
  const bool existed = fs::exists(data_dir, error);
  if (existed) {
    if (!fs::is_directory(data_dir, error)) {
      return absl::FailedPreconditionError(
          absl::StrCat(data_dir, " exists and is not a directory"));
    }
    if (!fs::is_empty(data_dir, error) || error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory ", data_dir,
          " is not empty: restore builds a new data directory; move the old "
          "one aside or pick another --data_dir"));
    }
  }
  // The whole file is checked before anything is written.
  ASSIGN_OR_RETURN(const BackupInfo info, internal::ReadBackupFile(file));
  // Held until the end, cleaning up included: a claimd started on the
  // directory meanwhile fails to lock it instead of opening a half-made store,
  // and a lock this restore did not get means the files are someone else's.
  ASSIGN_OR_RETURN(DataDirLock lock, LockDataDir(data_dir));
  absl::StatusOr<RestoreResult> result = Restore(file, info, data_dir);
  if (!result.ok()) {
    // Leave the target as it was: empty, or absent. (Removing LOCK while it
    // is held is harmless: the lock lives on the open file.)
    if (existed) {
      for (const fs::directory_entry& entry :
           fs::directory_iterator(data_dir, error)) {
        fs::remove_all(entry.path(), error);
      }
    } else {
      fs::remove_all(data_dir, error);
    }
    return absl::Status(result.status().code(),
                        absl::StrCat("restore of ", file, " into ", data_dir,
                                     " failed: ", result.status().message()));
  }
  return result;
}

}  // namespace claimd::store
