// The claimd backup file: one file holding a store at one revision, checked
// end to end. Layout:
//
//   [database image]   a SQLite database, `database_bytes` long
//   [trailer]          "claimd-backup 1\n" then "key value\n" lines: revision,
//                      compact_revision, store_id, claims, schema_version,
//                      created, database_bytes
//   [footer]           "claimd-backup-end trailer_bytes=NNNNNNNN sha256=HEX\n"
//                      (fixed length), the SHA-256 of image and trailer
//
// A file is accepted only whole: a truncated copy has no footer, an unfinished
// FILE.partial (see sqlite_backup.h) has none either, and any changed byte
// fails the checksum. The image is a plain SQLite file (`head -c
// database_bytes FILE > x.db` opens in sqlite3), so nothing is hidden.
//
// Thread-safety: free functions on files; concurrent calls on different files
// are independent.
#ifndef CLAIMD_SERVICE_STORE_BACKUP_FILE_H_
#define CLAIMD_SERVICE_STORE_BACKUP_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace claimd::store {

// What a backup file says about itself.
struct BackupInfo {
  int64_t revision = 0;          // the store's revision when it was taken
  int64_t compact_revision = 0;  // history at or below this was trimmed
  std::string store_id;          // the identity of the store it was taken from
  int64_t claims = 0;
  int64_t schema_version = 0;  // PRAGMA user_version of the image
  absl::Time created;
  int64_t database_bytes = 0;
  std::string sha256;  // of image and trailer, 64 hex digits
};

// "revision: 12\nstore_id: ...\n...": for people and scripts.
std::string FormatBackupInfo(const BackupInfo& info);

namespace internal {

// `fd` is open read-write on a file that holds exactly the database image
// (info.database_bytes long). Appends the trailer and footer, fsyncs, and
// sets info.sha256. Errors: UNAVAILABLE (I/O).
absl::Status SealBackupFile(int fd, BackupInfo& info);

// Reads and checks the whole file (every byte is hashed). Errors:
// FAILED_PRECONDITION naming what is wrong: not a claimd backup, incomplete
// (no end marker: truncated, or an unfinished .partial), checksum mismatch
// (corrupt); NOT_FOUND when the file does not exist.
absl::StatusOr<BackupInfo> ReadBackupFile(const std::string& path);

// Copies the database image of the checked backup `path` to `out_path`
// (created; must not exist), hashing again as it copies so that a file changed
// since ReadBackupFile is refused, then fsyncs it. Errors as ReadBackupFile;
// ALREADY_EXISTS; UNAVAILABLE (I/O).
absl::Status CopyDatabaseImage(const std::string& path, const BackupInfo& info,
                               const std::string& out_path);

// fsync of a directory, so a rename or a new file in it is durable.
absl::Status SyncDirectory(const std::string& dir);

}  // namespace internal
}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_BACKUP_FILE_H_
