#include "service/store/sqlite_checkpointer.h"

#include <utility>

#include "service/core/log.h"

namespace claimd::store::internal {

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Start(
    const std::string& db_path, bool durable, absl::Duration interval) {
  Connection::Options options;
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(db_path, options);
  if (!connection.ok()) return connection.status();
  // The checkpoint's sync of the database file follows the store's setting.
  absl::Status configured = (*connection)
                                ->Exec(durable ? "PRAGMA synchronous = FULL"
                                               : "PRAGMA synchronous = NORMAL");
  if (!configured.ok()) return configured;
  std::unique_ptr<Checkpointer> checkpointer(
      new Checkpointer(*std::move(connection), interval));
  checkpointer->thread_ =
      std::thread([raw = checkpointer.get()] { raw->Loop(); });
  return checkpointer;
}

Checkpointer::~Checkpointer() {
  {
    absl::MutexLock lock(&mutex_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  connection_.reset();
}

int64_t Checkpointer::runs() {
  absl::MutexLock lock(&mutex_);
  return runs_;
}

void Checkpointer::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mutex_);
      if (mutex_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
    }
    // PASSIVE never waits for the writer or readers; what it cannot copy now
    // it copies next time. A failure (disk full, I/O error) leaves the WAL
    // longer, not the data wrong: the writer's commits do not depend on it.
    absl::StatusOr<int64_t> result =
        connection_->QueryInt64("PRAGMA wal_checkpoint(PASSIVE)");
    if (!result.ok() && !failing_) {  // logged once per run of failures
      core::LogError("WAL checkpoint failed (retrying every ",
                     absl::FormatDuration(interval_),
                     "): ", result.status().ToString());
    }
    failing_ = !result.ok();
    absl::MutexLock lock(&mutex_);
    ++runs_;
  }
}

}  // namespace claimd::store::internal
