// Checkpoints of the store's write-ahead log, on a thread and connection of
// their own, so that the writer's commits never wait for the WAL to be copied
// into the database file.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its
// threshold: that batch, and every write queued behind it, waits while a
// thousand pages are copied and the database file is fsynced. Here the writer
// only wakes this thread. One problem remains: SQLite restarts the WAL from its
// beginning only when a write transaction starts with every frame already
// copied, which a checkpoint racing a busy writer rarely achieves, so the WAL
// would grow without bound. Hence the writer, once the WAL holds more than a
// limit, waits for one pass that starts after its request (RunPassAndWait):
// that pass copies only the frames since the previous one, and the next commit
// then restarts the WAL.
//
// A failed pass changes nothing durable (SQLite records progress only after
// the database file is synced); it is logged, counted in SqliteMetrics, and
// retried on the next wake.
//
// Thread-safety: Wake and RunPassAndWait may be called from any thread, but
// one caller at a time is what the store does (its writer thread).
#ifndef CLAIMD_SERVICE_STORE_SQLITE_CHECKPOINTER_H_
#define CLAIMD_SERVICE_STORE_SQLITE_CHECKPOINTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/store/sqlite_db.h"
#include "service/store/sqlite_metrics.h"

namespace claimd::store::internal {

class Checkpointer {
 public:
  // Opens its own connection to `path` (which the writer has already set up
  // in WAL mode) and starts the thread.
  // `metrics` (not owned, may be null) must outlive the checkpointer.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(
      const std::string& path, const Connection::Options& options,
      SqliteMetrics* metrics);
  // Finishes the pass in progress, if any, and joins the thread.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Asks for a pass; returns at once.
  void Wake();
  // Asks for a pass and waits until one that started after this call ended.
  void RunPassAndWait();

 private:
  Checkpointer(std::unique_ptr<Connection> db, SqliteMetrics* metrics);
  void Loop();
  bool HasRequestOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::unique_ptr<Connection> db_;  // the thread's only
  SqliteMetrics* const metrics_;          // may be null
  absl::Mutex mutex_;
  // Passes are numbered by request: a pass serves every request up to the
  // number it started with.
  int64_t requested_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t started_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t completed_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stop_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace claimd::store::internal

#endif  // CLAIMD_SERVICE_STORE_SQLITE_CHECKPOINTER_H_
