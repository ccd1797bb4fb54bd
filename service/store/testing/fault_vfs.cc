// FaultVfs: the sqlite3_vfs and sqlite3_io_methods wrappers, and the journal
// of unsynced writes that PowerLoss rewinds.
#include "service/store/testing/fault_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace claimd::store::testing {
namespace {

// One change to a file since its last successful sync: enough to undo it (the
// size and bytes it replaced) and to redo it (the bytes, or the new size).
struct Change {
  bool truncate = false;
  int64_t offset = 0;     // write: where; truncate: the new size
  std::string old_bytes;  // what [offset, old end) held before
  int64_t old_size = 0;
  std::string new_bytes;  // write only
};

}  // namespace

struct FaultVfs::State {
  sqlite3_vfs vfs{};  // pAppData points back here
  sqlite3_vfs* real = nullptr;
  std::string name;

  mutable absl::Mutex mutex;
  bool disk_full ABSL_GUARDED_BY(mutex) = false;
  bool sync_fails ABSL_GUARDED_BY(mutex) = false;
  int64_t crash_at ABSL_GUARDED_BY(mutex) = -1;  // io_count that crashes
  bool crashed ABSL_GUARDED_BY(mutex) = false;
  int64_t io_count ABSL_GUARDED_BY(mutex) = 0;
  // The same for the main database file alone.
  int64_t database_crash_at ABSL_GUARDED_BY(mutex) = -1;
  int64_t database_io_count ABSL_GUARDED_BY(mutex) = 0;
  // Unsynced changes per tracked file path, oldest first.
  absl::flat_hash_map<std::string, std::vector<Change>> unsynced
      ABSL_GUARDED_BY(mutex);
  std::vector<std::string> shm_paths ABSL_GUARDED_BY(mutex);

  // Counts one write or sync; false when the machine is (now) down.
  bool CountIo(bool main_database) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    ++io_count;
    if (crash_at >= 0 && io_count >= crash_at) crashed = true;
    if (main_database) {
      ++database_io_count;
      if (database_crash_at >= 0 && database_io_count >= database_crash_at)
        crashed = true;
    }
    return !crashed;
  }
};

namespace {

using State = FaultVfs::State;

struct File {
  sqlite3_file base;  // first member: SQLite hands us a pointer to it
  State* state;
  bool tracked;  // main database or WAL: journaled and subject to faults
  bool main_database;
  std::string* path;
  sqlite3_file* real;  // follows this struct in the same allocation
};

File* AsFile(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
State* AsState(sqlite3_vfs* vfs) { return static_cast<State*>(vfs->pAppData); }

int Close(sqlite3_file* file) {
  File* f = AsFile(file);
  const int rc = f->real->pMethods->xClose(f->real);
  delete f->path;
  return rc;
}

int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  File* f = AsFile(file);
  if (f->tracked) {
    absl::MutexLock lock(&f->state->mutex);
    if (f->state->crashed) return SQLITE_IOERR_READ;
  }
  return f->real->pMethods->xRead(f->real, buffer, amount, offset);
}

// The bytes of [offset, min(end, size)) as they are now.
std::string ReadExisting(sqlite3_file* real, int64_t offset, int64_t end,
                         int64_t size) {
  const int64_t stop = std::min(end, size);
  if (stop <= offset) return {};
  std::string bytes(static_cast<size_t>(stop - offset), '\0');
  real->pMethods->xRead(real, bytes.data(), static_cast<int>(bytes.size()),
                        offset);
  return bytes;
}

int Write(sqlite3_file* file, const void* buffer, int amount,
          sqlite3_int64 offset) {
  File* f = AsFile(file);
  if (!f->tracked)
    return f->real->pMethods->xWrite(f->real, buffer, amount, offset);
  absl::MutexLock lock(&f->state->mutex);
  if (!f->state->CountIo(f->main_database)) return SQLITE_IOERR_WRITE;
  if (f->state->disk_full) return SQLITE_FULL;
  sqlite3_int64 size = 0;
  f->real->pMethods->xFileSize(f->real, &size);
  Change change;
  change.offset = offset;
  change.old_size = size;
  change.old_bytes = ReadExisting(f->real, offset, offset + amount, size);
  change.new_bytes.assign(static_cast<const char*>(buffer),
                          static_cast<size_t>(amount));
  const int rc = f->real->pMethods->xWrite(f->real, buffer, amount, offset);
  if (rc == SQLITE_OK)
    f->state->unsynced[*f->path].push_back(std::move(change));
  return rc;
}

int Truncate(sqlite3_file* file, sqlite3_int64 new_size) {
  File* f = AsFile(file);
  if (!f->tracked) return f->real->pMethods->xTruncate(f->real, new_size);
  absl::MutexLock lock(&f->state->mutex);
  if (f->state->crashed) return SQLITE_IOERR_TRUNCATE;
  sqlite3_int64 size = 0;
  f->real->pMethods->xFileSize(f->real, &size);
  Change change;
  change.truncate = true;
  change.offset = new_size;
  change.old_size = size;
  change.old_bytes = ReadExisting(f->real, new_size, size, size);
  const int rc = f->real->pMethods->xTruncate(f->real, new_size);
  if (rc == SQLITE_OK)
    f->state->unsynced[*f->path].push_back(std::move(change));
  return rc;
}

int Sync(sqlite3_file* file, int flags) {
  File* f = AsFile(file);
  if (!f->tracked) return f->real->pMethods->xSync(f->real, flags);
  absl::MutexLock lock(&f->state->mutex);
  if (!f->state->CountIo(f->main_database)) return SQLITE_IOERR_FSYNC;
  if (f->state->sync_fails) return SQLITE_IOERR_FSYNC;
  const int rc = f->real->pMethods->xSync(f->real, flags);
  if (rc == SQLITE_OK) f->state->unsynced.erase(*f->path);
  return rc;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = AsFile(file);
  return f->real->pMethods->xFileSize(f->real, size);
}
int Lock(sqlite3_file* file, int level) {
  File* f = AsFile(file);
  return f->real->pMethods->xLock(f->real, level);
}
int Unlock(sqlite3_file* file, int level) {
  File* f = AsFile(file);
  return f->real->pMethods->xUnlock(f->real, level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  File* f = AsFile(file);
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  File* f = AsFile(file);
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int SectorSize(sqlite3_file* file) {
  File* f = AsFile(file);
  return f->real->pMethods->xSectorSize(f->real);
}
int DeviceCharacteristics(sqlite3_file* file) {
  File* f = AsFile(file);
  // Promise nothing that would let SQLite skip a sync or a journal.
  return f->real->pMethods->xDeviceCharacteristics(f->real) &
         ~(SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_SAFE_APPEND |
           SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_BATCH_ATOMIC);
}
int ShmMap(sqlite3_file* file, int region, int size, int extend,
           void volatile** out) {
  File* f = AsFile(file);
  return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = AsFile(file);
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) {
  File* f = AsFile(file);
  f->real->pMethods->xShmBarrier(f->real);
}
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  File* f = AsFile(file);
  return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}
// No memory-mapped reads: every read goes through Read, which can fail.
int Fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
         int* out_flags) {
  State* state = AsState(vfs);
  File* f = AsFile(file);
  f->state = state;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->tracked =
      name != nullptr && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  f->main_database = f->tracked && (flags & SQLITE_OPEN_MAIN_DB) != 0;
  f->path = nullptr;
  const int rc =
      state->real->xOpen(state->real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr) {
    f->base.pMethods = nullptr;
    return rc;
  }
  f->path = new std::string(name != nullptr ? name : "");
  f->base.pMethods = &kMethods;
  if (f->tracked && (flags & SQLITE_OPEN_MAIN_DB) != 0) {
    absl::MutexLock lock(&state->mutex);
    state->shm_paths.push_back(absl::StrCat(name, "-shm"));
  }
  return rc;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  State* state = AsState(vfs);
  {
    absl::MutexLock lock(&state->mutex);
    if (state->crashed) return SQLITE_IOERR_DELETE;
    // A deleted file's pending changes die with it.
    state->unsynced.erase(name);
  }
  return state->real->xDelete(state->real, name, sync_dir);
}

// Plain POSIX on a closed file, for PowerLoss.
absl::Status Rewrite(const std::string& path, const std::vector<Change>& log,
                     std::mt19937& random, double keep_probability) {
  const int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) {
    // Deleted since (a removed WAL): nothing to rewind.
    return absl::OkStatus();
  }
  auto failed = [&](const char* what) {
    absl::Status status =
        absl::InternalError(absl::StrCat(what, " ", path, ": errno ", errno));
    ::close(fd);
    return status;
  };
  // Undo newest first: the file becomes what the last sync left.
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    if (!it->old_bytes.empty() &&
        ::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(), it->offset) !=
            static_cast<ssize_t>(it->old_bytes.size()))
      return failed("undo write");
    if (::ftruncate(fd, it->old_size) != 0) return failed("undo size");
  }
  // The disk wrote some of the rest, in order; a tenth of those only half.
  std::bernoulli_distribution keep(keep_probability);
  std::bernoulli_distribution tear(0.1);
  for (const Change& change : log) {
    if (!keep(random)) continue;
    if (change.truncate) {
      if (::ftruncate(fd, change.offset) != 0) return failed("redo truncate");
      continue;
    }
    size_t length = change.new_bytes.size();
    if (length >= 1024 && tear(random)) length = (length / 2) & ~size_t{511};
    if (::pwrite(fd, change.new_bytes.data(), length, change.offset) !=
        static_cast<ssize_t>(length))
      return failed("redo write");
  }
  if (::close(fd) != 0) return absl::InternalError("close " + path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FaultVfs>> FaultVfs::Register(std::string name) {
  auto state = std::make_unique<State>();
  state->real = sqlite3_vfs_find(nullptr);
  if (state->real == nullptr) return absl::InternalError("no default VFS");
  state->name = std::move(name);
  state->vfs = *state->real;  // same helpers (paths, time, randomness)
  state->vfs.pNext = nullptr;
  state->vfs.zName = state->name.c_str();
  state->vfs.szOsFile = static_cast<int>(sizeof(File)) + state->real->szOsFile;
  state->vfs.xOpen = Open;
  state->vfs.xDelete = Delete;
  // The unix VFS reads pAppData only in its own xOpen, which gets the real VFS.
  state->vfs.pAppData = state.get();
  if (sqlite3_vfs_register(&state->vfs, /*makeDflt=*/0) != SQLITE_OK)
    return absl::InternalError("sqlite3_vfs_register failed");
  return std::unique_ptr<FaultVfs>(new FaultVfs(std::move(state)));
}

FaultVfs::FaultVfs(std::unique_ptr<State> state) : state_(std::move(state)) {}

FaultVfs::~FaultVfs() { sqlite3_vfs_unregister(&state_->vfs); }

const std::string& FaultVfs::name() const { return state_->name; }

void FaultVfs::SetDiskFull(bool full) {
  absl::MutexLock lock(&state_->mutex);
  state_->disk_full = full;
}

void FaultVfs::SetSyncFails(bool fails) {
  absl::MutexLock lock(&state_->mutex);
  state_->sync_fails = fails;
}

void FaultVfs::CrashAfter(int64_t n) {
  absl::MutexLock lock(&state_->mutex);
  state_->crash_at = state_->io_count + n;
}

void FaultVfs::CrashAfterDatabaseIo(int64_t n) {
  absl::MutexLock lock(&state_->mutex);
  state_->database_crash_at = state_->database_io_count + n;
}

bool FaultVfs::crashed() const {
  absl::MutexLock lock(&state_->mutex);
  return state_->crashed;
}

int64_t FaultVfs::io_count() const {
  absl::MutexLock lock(&state_->mutex);
  return state_->io_count;
}

int64_t FaultVfs::unsynced_writes() const {
  absl::MutexLock lock(&state_->mutex);
  int64_t count = 0;
  for (const auto& [path, log] : state_->unsynced)
    count += static_cast<int64_t>(log.size());
  return count;
}

absl::Status FaultVfs::PowerLoss(uint32_t seed, double keep_probability) {
  absl::MutexLock lock(&state_->mutex);
  std::mt19937 random(seed);
  for (const auto& [path, log] : state_->unsynced) {
    absl::Status status = Rewrite(path, log, random, keep_probability);
    if (!status.ok()) return status;
  }
  state_->unsynced.clear();
  // The wal-index is shared memory: it does not survive a power loss.
  for (const std::string& shm : state_->shm_paths) ::unlink(shm.c_str());
  state_->crash_at = -1;
  state_->database_crash_at = -1;
  state_->crashed = false;
  state_->disk_full = false;
  state_->sync_fails = false;
  return absl::OkStatus();
}

}  // namespace claimd::store::testing
