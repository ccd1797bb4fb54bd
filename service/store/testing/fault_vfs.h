// FaultVfs: a SQLite VFS for tests that wraps the default (unix) VFS and can
// break the disk under a store, in the spirit of SQLite's own crash tests and
// leveldb's ErrorEnv:
// - I/O errors on demand: every write fails with SQLITE_FULL (disk full), or
//   every sync fails with SQLITE_IOERR_FSYNC;
// - a crash at a chosen I/O: after N more writes or syncs (of any tracked file,
//   or of the main database file only), every read, write, sync, truncate and
//   delete fails, as if the machine had stopped;
// - power loss: PowerLoss() rewinds every file written through the VFS to what
//   its last successful sync made durable, then re-applies a random subset of
//   the unsynced writes in order (some torn to their first half), because a
//   disk may have written any of them before the power went.
//
//   ASSERT_OK_AND_ASSIGN(auto vfs, FaultVfs::Register("fault"));
//   options.vfs = vfs->name();            // SqliteStoreOptions
//   vfs->CrashAfter(120);                 // the 120th write or sync fails
//   ... store->Close();                   // every file closed
//   ASSERT_OK(vfs->PowerLoss(seed, 0.5));
//
// Files are tracked by path across open and close, so PowerLoss works after
// the store is closed (it must be: it rewrites the files directly). The -shm
// file is memory in SQLite's design: PowerLoss deletes it.
//
// Thread-safety: every method may be called from any thread; SQLite calls the
// VFS from the store's threads concurrently.
#ifndef CLAIMD_SERVICE_STORE_TESTING_FAULT_VFS_H_
#define CLAIMD_SERVICE_STORE_TESTING_FAULT_VFS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace claimd::store::testing {

class FaultVfs {
 public:
  // Registers a VFS called `name` (not the default one). Errors: INTERNAL.
  static absl::StatusOr<std::unique_ptr<FaultVfs>> Register(std::string name);
  // Unregisters; no connection may still use it.
  ~FaultVfs();
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  const std::string& name() const;

  // While set, writes to the database and its WAL fail with SQLITE_FULL.
  void SetDiskFull(bool full);
  // While set, syncs of the database and its WAL fail with
  // SQLITE_IOERR_FSYNC; the writes they should have made durable stay
  // unsynced (Linux may drop them, as it does after a failed fsync).
  void SetSyncFails(bool fails);
  // The `n`th write or sync from now (1 = the next one) and everything after
  // it fails: the machine stopped. Cleared by PowerLoss.
  void CrashAfter(int64_t n);
  // The same crash, at the `n`th write or sync of a main database file from
  // now. In WAL mode only a checkpoint (or the last connection's close)
  // writes the database file, so this stops the machine inside a checkpoint.
  void CrashAfterDatabaseIo(int64_t n);
  bool crashed() const;

  // Writes and syncs of tracked files so far (to choose crash points).
  int64_t io_count() const;
  // Writes not yet made durable by a sync, over every tracked file.
  int64_t unsynced_writes() const;

  // Simulates the power going off and coming back (see the banner): each
  // unsynced write survives with probability `keep_probability`, a tenth of
  // the survivors torn. Call only when no connection has the files open.
  // Clears the crash and the fault flags. Errors: INTERNAL (file I/O).
  absl::Status PowerLoss(uint32_t seed, double keep_probability);

  struct State;  // shared with the C callbacks in fault_vfs.cc

 private:
  explicit FaultVfs(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace claimd::store::testing

#endif  // CLAIMD_SERVICE_STORE_TESTING_FAULT_VFS_H_
