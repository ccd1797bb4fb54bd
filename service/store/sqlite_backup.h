// Online backup and restore of a SQLite claimd store (`claimd backup` and
// `claimd restore`).
//
// BackupStore copies the data directory's database while claimd keeps
// serving: it opens its own connection, holds ONE read transaction for the
// whole copy (WAL mode: writers go on; the copy is the store exactly at the
// revision that transaction saw, claims, history and request ids alike) and
// copies pages with SQLite's online backup API into FILE.partial. It then
// checks the copy (PRAGMA integrity_check, and that its revision is the one
// read), appends the trailer and checksum (backup_file.h), fsyncs, and renames
// FILE.partial to FILE. A backup killed at any point leaves the store as it
// was and at most a FILE.partial that every reader refuses as incomplete.
//
// RestoreStore builds a new data directory from a backup: it refuses a
// directory that is not empty, checks the whole file before writing anything,
// gives the restored store a NEW store id (its revisions after the backup's
// will differ from the old store's) and opens it once as claimd would.
//
// Thread-safety: free functions; each uses connections of its own.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_BACKUP_H_
#define CLAIMD_SERVICE_STORE_SQLITE_BACKUP_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "service/store/backup_file.h"

namespace claimd::store {

struct BackupOptions {
  // Throttle for the copy, so a backup does not starve claimd of disk
  // bandwidth; 0: as fast as the disk allows. The read transaction (and so the
  // WAL, which cannot be recycled past it) lasts as long as the copy.
  int64_t max_bytes_per_second = 0;
  // Database pages copied per step (between progress reports).
  int pages_per_step = 1024;
  // Called once the read transaction is open and FILE.partial exists, before
  // the first page is copied: the revision being backed up and the pages to
  // copy.
  std::function<void(int64_t revision, int64_t pages)> on_start;
  // Called after each step.
  std::function<void(int64_t copied_pages, int64_t total_pages)> on_progress;
};

// Backs up the store in `data_dir` (claimd may be running) to `file`.
// Errors: FAILED_PRECONDITION (no claimd store in data_dir, `file` exists, the
// copy failed its integrity check), UNAVAILABLE (I/O, disk full), INTERNAL.
// On error FILE is not created (FILE.partial is removed when possible).
absl::StatusOr<BackupInfo> BackupStore(const std::string& data_dir,
                                       const std::string& file,
                                       const BackupOptions& options = {});

struct RestoreResult {
  BackupInfo backup;     // what the file holds
  std::string store_id;  // the restored store's new identity
};

// Builds `data_dir` (created when missing; must be empty) from `file`.
// Errors: FAILED_PRECONDITION (data_dir not empty, the file is incomplete,
// corrupt or not a backup: nothing is written then), NOT_FOUND (no file),
// UNAVAILABLE (I/O). On error, whatever it created is removed again.
absl::StatusOr<RestoreResult> RestoreStore(const std::string& file,
                                           const std::string& data_dir);

// Checks a backup file whole (every byte against its checksum) and returns
// what it says about itself; writes nothing. Errors as ReadBackupFile.
absl::StatusOr<BackupInfo> VerifyBackup(const std::string& file);

}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_SQLITE_BACKUP_H_
