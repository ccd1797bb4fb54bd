#include "service/store/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace claimd::store {
namespace {

std::string LockPath(const std::string& dir) { return dir + "/LOCK"; }

}  // namespace

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : dir_(std::move(other.dir_)), fd_(std::exchange(other.fd_, -1)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    dir_ = std::move(other.dir_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) close(fd_);  // closing the last descriptor releases the flock
}

absl::StatusOr<DataDirLock> LockDataDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create data directory ", dir, ": ", error.message()));
  }
  const std::string lock_path = LockPath(dir);
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open lock file ", lock_path, ": ",
                     std::generic_category().message(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int flock_errno = errno;
    close(fd);
    if (flock_errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory ", dir, " is in use by another claimd (lock ",
          lock_path, " held)"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot lock ", lock_path, ": ",
                     std::generic_category().message(flock_errno)));
  }
  // Best effort: the pid helps a person find the holder; the lock does not
  // depend on it.
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) == 0) {
    if (pwrite(fd, pid.data(), pid.size(), 0) < 0) {
      // Ignored: see above.
    }
  }
  return DataDirLock(dir, fd);
}

std::string DatabasePath(const std::string& dir) { return dir + "/claims.db"; }

}  // namespace claimd::store
