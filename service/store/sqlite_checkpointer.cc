#include "service/store/sqlite_checkpointer.h"

#include <utility>

#include "service/util/log.h"
#include "service/util/monotonic_clock.h"

namespace claimd::store::internal {

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Start(
    const std::string& path, const Connection::Options& options,
    SqliteMetrics* metrics) {
  absl::StatusOr<std::unique_ptr<Connection>> db =
      Connection::Open(path, options);
  if (!db.ok()) return db.status();
  // A connection opens the WAL on its first read; until then a checkpoint
  // through it does nothing at all.
  absl::StatusOr<int64_t> read =
      (*db)->QueryInt64("SELECT count(*) FROM sqlite_schema");
  if (!read.ok()) return read.status();
  std::unique_ptr<Checkpointer> checkpointer(
      new Checkpointer(*std::move(db), metrics));
  checkpointer->thread_ =
      std::thread([raw = checkpointer.get()] { raw->Loop(); });
  return checkpointer;
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> db,
                           SqliteMetrics* metrics)
    : db_(std::move(db)), metrics_(metrics) {}

Checkpointer::~Checkpointer() {
  {
    absl::MutexLock lock(&mutex_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::Wake() {
  absl::MutexLock lock(&mutex_);
  ++requested_;
}

void Checkpointer::RunPassAndWait() {
  absl::MutexLock lock(&mutex_);
  const int64_t request = ++requested_;
  auto served = [this, request]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return completed_ >= request || stop_;
  };
  mutex_.Await(absl::Condition(&served));
}

bool Checkpointer::HasRequestOrStop() const {
  return requested_ > started_ || stop_;
}

void Checkpointer::Loop() {
  bool failing = false;
  for (;;) {
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(this, &Checkpointer::HasRequestOrStop));
      if (stop_) return;
      started_ = requested_;
    }
    // A duration: on the monotonic clock, so a clock step cannot record a
    // negative or hour-long checkpoint.
    const util::MonotonicClock& clock = util::MonotonicClock::Real();
    const absl::Duration started = clock.Now();
    absl::Status status = db_->CheckpointPassive();
    if (metrics_ != nullptr)
      metrics_->OnCheckpoint(clock.Now() - started, status.ok());
    if (!status.ok() && !failing) {
      util::LogWarning("background WAL checkpoint failed (retried on the ",
                       "next commit; nothing is lost): ", status.ToString());
    } else if (status.ok() && failing) {
      util::LogInfo("background WAL checkpoints work again");
    }
    failing = !status.ok();
    absl::MutexLock lock(&mutex_);
    completed_ = started_;
  }
}

}  // namespace claimd::store::internal
