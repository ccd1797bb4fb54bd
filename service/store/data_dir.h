// The data directory of one claimd: creates it and locks it, so that two
// servers can never write the same database (SO_REUSEPORT alone would let a
// second one start).
//
//   ASSIGN_OR_RETURN(DataDirLock lock, LockDataDir(flags.data_dir));
//   ASSIGN_OR_RETURN(auto store,
//                    SqliteClaimStore::Open(DatabasePath(lock.dir()), {}));
//
// The lock is an exclusive flock(2) on DIR/LOCK, held while the DataDirLock
// lives (the kernel drops it when the process dies, so a crash leaves no stale
// lock). flock locks belong to an open file description: a second LockDataDir
// of the same directory fails even inside the same process. Thread-safety: a
// DataDirLock is a plain move-only value.
#ifndef CLAIMD_SERVICE_STORE_DATA_DIR_H_
#define CLAIMD_SERVICE_STORE_DATA_DIR_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace claimd::store {

class DataDirLock {
 public:
  DataDirLock() = default;  // holds nothing
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();  // releases the lock

  const std::string& dir() const { return dir_; }
  bool held() const { return fd_ >= 0; }

 private:
  friend absl::StatusOr<DataDirLock> LockDataDir(const std::string& dir);
  DataDirLock(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}

  std::string dir_;
  int fd_ = -1;
};

// Creates `dir` (and its parents) when missing and locks it. The lock file
// records the holder's pid, for people. Errors: FAILED_PRECONDITION "data
// directory DIR is in use by another claimd (lock DIR/LOCK held)", or when the
// directory or lock file cannot be created or opened.
absl::StatusOr<DataDirLock> LockDataDir(const std::string& dir);

// DIR/claims.db: where the SQLite store of a data directory lives.
std::string DatabasePath(const std::string& dir);

}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_DATA_DIR_H_
