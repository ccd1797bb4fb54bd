// HistoryCompactor: trims the event history that --history_retention does not
// keep, on a thread of its own, apart from the server that answers clients (as
// etcd keeps its compactor apart from its server). Every `interval` on the
// monotonic clock it compacts the store up to CurrentRevision() - retention
// when that is past CompactRevision(); a failure is logged and the next
// interval tries again. Watchers resuming before the trimmed events get
// OUT_OF_RANGE from the store.
//
//   core::HistoryCompactor compactor(store, {.retention = 1000,
//                                            .interval = absl::Minutes(1)});
//   compactor.Start();  // stopped by Stop() or the destructor
//
// Tests call RunDue() with a ManualMonotonicClock instead of starting the
// thread. Thread-safety: Start and Stop may be called from any thread; RunDue
// must not run concurrently with itself or with the started thread.
#ifndef CLAIMD_SERVICE_CORE_HISTORY_COMPACTOR_H_
#define CLAIMD_SERVICE_CORE_HISTORY_COMPACTOR_H_

#include <cstdint>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/core/claim_store.h"
#include "service/util/monotonic_clock.h"
#include "service/util/stop_signal.h"

namespace claimd::core {

struct HistoryCompactorOptions {
  // Revisions of history kept; 0 keeps everything (the compactor never runs).
  int64_t retention = 0;
  // How often history is trimmed; must be positive.
  absl::Duration interval = absl::Minutes(1);
  // What the interval is measured on; not owned. A wall clock set forward
  // must not compact early.
  const util::MonotonicClock* clock = &util::MonotonicClock::Real();
};

class HistoryCompactor {
 public:
  // `store` is not owned and must outlive the compactor. The first compaction
  // is due one interval from now.
  HistoryCompactor(ClaimStore* store, HistoryCompactorOptions options);
  ~HistoryCompactor();  // Stop()
  HistoryCompactor(const HistoryCompactor&) = delete;
  HistoryCompactor& operator=(const HistoryCompactor&) = delete;

  // Starts the thread (once; later calls do nothing). Without retention no
  // thread is started.
  void Start();
  // Ends the thread without waiting for the interval and joins it; a
  // compaction already running finishes first. Idempotent.
  void Stop();

  // Compacts when the interval has passed since the last due time, then
  // returns how long until the next one is due.
  absl::Duration RunDue();

 private:
  // Compacts to CurrentRevision() - retention unless that is already trimmed;
  // logs the outcome.
  void Compact();

  ClaimStore* const store_;
  const HistoryCompactorOptions options_;
  absl::Duration next_due_;
  util::StopSignal stop_;
  absl::Mutex thread_mutex_;
  std::thread thread_ ABSL_GUARDED_BY(thread_mutex_);
};

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_HISTORY_COMPACTOR_H_
