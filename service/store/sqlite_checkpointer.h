// Checkpointer: moves WAL checkpoints off the commit path. The writer
// connection runs with wal_autocheckpoint off; this thread, on its own
// connection, runs PRAGMA wal_checkpoint(PASSIVE) every `interval`. A passive
// checkpoint copies committed WAL frames into the database file and syncs it
// without blocking the writer or readers, so a commit never waits for the
// random writes and the fsync of the database file (measured: 60-300 ms per
// checkpoint on a store of a million claims, which stalled every write queued
// behind it). SQLite restarts the WAL from its beginning at the next write
// once a checkpoint has copied everything.
//
// Thread-safety: Start and the destructor are called by the store's owner
// thread; the checkpoint thread only touches its own connection.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_CHECKPOINTER_H_
#define CLAIMD_SERVICE_STORE_SQLITE_CHECKPOINTER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/store/sqlite_db.h"

namespace claimd::store::internal {

class Checkpointer {
 public:
  // Opens its connection to `db_path` (an existing WAL database) and starts
  // the thread. Errors: those of Connection::Open.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(
      const std::string& db_path, bool durable, absl::Duration interval);
  // Stops the thread and closes the connection (no final checkpoint: the
  // writer's connection, closed last, checkpoints everything).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints that ran (successful or not), for tests.
  int64_t runs();

 private:
  Checkpointer(std::unique_ptr<Connection> connection, absl::Duration interval)
      : connection_(std::move(connection)), interval_(interval) {}
  void Loop();

  std::unique_ptr<Connection> connection_;  // the thread's only
  bool failing_ = false;                    // the thread's only
  const absl::Duration interval_;
  absl::Mutex mutex_;
  bool stop_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t runs_ ABSL_GUARDED_BY(mutex_) = 0;
  std::thread thread_;
};

}  // namespace claimd::store::internal

#endif  // CLAIMD_SERVICE_STORE_SQLITE_CHECKPOINTER_H_
