#include "tests/bench/write_load.h"

#include <algorithm>

#include "absl/synchronization/mutex.h"

namespace claimd::bench {

void AckTable::Record(int64_t revision, absl::Time ack) {
  const int64_t index = revision - first_;
  if (index < 0 || index >= static_cast<int64_t>(capacity_)) return;
  acks_[index].store(absl::ToUnixNanos(ack), std::memory_order_release);
}

int64_t AckTable::AckNanos(int64_t revision) const {
  const int64_t index = revision - first_;
  if (index < 0 || index >= static_cast<int64_t>(capacity_)) return 0;
  return acks_[index].load(std::memory_order_acquire);
}

double WriteLoadResult::ops_per_second() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0;
}

namespace {

// Shared by the issuing thread and the callbacks.
struct LoadState {
  absl::Mutex mutex;
  int in_flight ABSL_GUARDED_BY(mutex) = 0;
  int64_t ok ABSL_GUARDED_BY(mutex) = 0;
  int64_t failed ABSL_GUARDED_BY(mutex) = 0;
  int64_t last_revision ABSL_GUARDED_BY(mutex) = 0;
  std::string first_error ABSL_GUARDED_BY(mutex);
  int cap = 1;

  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return in_flight < cap;
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return in_flight == 0;
  }
};

}  // namespace

WriteLoadResult RunWriteLoad(WriteOp& op, const WriteLoadOptions& options,
                             LatencyHistogram& histogram, AckTable* acks) {
  LoadState state;
  state.cap = std::max(1, options.in_flight);
  const absl::Time start = absl::Now();
  const absl::Time end = start + options.duration;
  for (int64_t i = 0; i < options.max_ops; ++i) {
    absl::Time now = absl::Now();
    if (now >= end) break;
    // At a fixed rate, latency counts from when the write was due, so a write
    // that waited for a free slot (the system fell behind) counts its wait.
    absl::Time due = now;
    if (options.rate > 0) {
      due = start + absl::Seconds(static_cast<double>(i) / options.rate);
      if (due > now) absl::SleepFor(due - now);
    }
    {
      absl::MutexLock lock(&state.mutex);
      state.mutex.Await(absl::Condition(&state, &LoadState::HasRoom));
      ++state.in_flight;
    }
    const absl::Time sent = options.rate > 0 ? due : absl::Now();
    op.Start(options.first_sequence + i,
             [&state, &histogram, acks, sent](bool ok, int64_t revision,
                                              const std::string& error) {
               const absl::Time acked = absl::Now();
               if (ok) {
                 histogram.Record(acked - sent);
                 if (acks != nullptr) acks->Record(revision, acked);
               }
               absl::MutexLock lock(&state.mutex);
               --state.in_flight;
               if (ok) {
                 ++state.ok;
                 state.last_revision = std::max(state.last_revision, revision);
               } else {
                 if (state.failed++ == 0) state.first_error = error;
               }
             });
  }
  absl::MutexLock lock(&state.mutex);
  state.mutex.Await(absl::Condition(&state, &LoadState::Idle));
  WriteLoadResult result;
  result.ok = state.ok;
  result.failed = state.failed;
  result.first_error = state.first_error;
  result.last_revision = state.last_revision;
  result.elapsed = absl::Now() - start;
  return result;
}

}  // namespace claimd::bench
