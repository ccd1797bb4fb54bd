#include "service/core/history_compactor.h"

#include <utility>

#include "absl/status/status.h"
#include "service/util/log.h"

namespace claimd::core {

HistoryCompactor::HistoryCompactor(ClaimStore* store,
                                   HistoryCompactorOptions options)
    : store_(store),
      options_(options),
      next_due_(options_.clock->Now() + options_.interval) {}

HistoryCompactor::~HistoryCompactor() { Stop(); }

void HistoryCompactor::Start() {
  if (options_.retention <= 0) return;
  absl::MutexLock lock(&thread_mutex_);
  if (thread_.joinable() || stop_.stopped()) return;
  thread_ = std::thread([this] {
    while (!stop_.WaitFor(RunDue())) {
    }
  });
}

void HistoryCompactor::Stop() {
  stop_.Stop();
  std::thread thread;
  {
    absl::MutexLock lock(&thread_mutex_);
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

absl::Duration HistoryCompactor::RunDue() {
  const absl::Duration now = options_.clock->Now();
  if (now >= next_due_) {
    Compact();
    // From now, not from the missed due time: a slow compaction or a stalled
    // process does not make the next ones run back to back.
    next_due_ = now + options_.interval;
  }
  return next_due_ - now;
}

void HistoryCompactor::Compact() {
  if (options_.retention <= 0) return;  // keeps everything
  const int64_t target = store_->CurrentRevision() - options_.retention;
  if (target <= store_->CompactRevision()) return;
  absl::Status status = store_->Compact(target);
  if (status.ok()) {
    util::LogInfo("compacted history up to revision ", target);
  } else {
    util::LogWarning("history compaction to revision ", target,
                     " failed: ", status.ToString());
  }
}

}  // namespace claimd::core
