// What watchers report to: DeliverySink counts the events every watcher
// receives and, for revisions the writer acknowledged (AckTable), records the
// latency from acknowledgement to receipt. WatchStream is the common state of
// one watcher's stream (the highest revision it received, whether it received
// every revision once and in order, how it ended), shared by the claimd and
// etcd watch reactors.
//
// An event received before its write was acknowledged (the server fans out
// before it replies) counts as zero latency.
//
// Thread-safety: everything here may be called from any thread.
#ifndef CLAIMD_TESTS_BENCH_DELIVERY_H_
#define CLAIMD_TESTS_BENCH_DELIVERY_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/bench/latency_histogram.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

class DeliverySink {
 public:
  // `acks` (may be null: no latencies) must outlive the sink.
  explicit DeliverySink(const AckTable* acks) : acks_(acks) {}

  void OnEvent(int64_t revision, absl::Time received);
  // Forgets what was counted so far (after a warm-up).
  void Reset();

  int64_t delivered() const {
    return delivered_.load(std::memory_order_relaxed);
  }
  // Deliveries that arrived before the writer had its acknowledgement.
  int64_t before_ack() const {
    return before_ack_.load(std::memory_order_relaxed);
  }
  absl::Time last_receipt() const {
    return absl::FromUnixNanos(last_receipt_.load(std::memory_order_relaxed));
  }
  const LatencyHistogram& latency() const { return latency_; }

 private:
  const AckTable* acks_;
  LatencyHistogram latency_;
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> before_ack_{0};
  std::atomic<int64_t> last_receipt_{0};
};

// The state of one watch stream, updated by its reactor. The systems measured
// give every write the next revision (claimd's are dense, etcd's too while one
// writer writes only the watched prefix), so a watcher must receive every
// revision from its start revision on exactly once, in order.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // Ends the stream (the server sees CANCELLED).
  virtual void Cancel() = 0;

  int64_t last_revision() const {
    return last_revision_.load(std::memory_order_acquire);
  }
  // Revisions skipped between two received ones (or after the start
  // revision), and events whose revision was not above the previous one.
  int64_t lost() const { return lost_.load(std::memory_order_relaxed); }
  int64_t duplicated() const {
    return duplicated_.load(std::memory_order_relaxed);
  }
  bool ended() const { return ended_.load(std::memory_order_acquire); }
  // Waits (bounded) until the reactor is done; true when it is.
  bool AwaitDone(absl::Duration timeout);
  // How the stream ended ("" while running or when cancelled by us).
  std::string error();

 protected:
  // `start_revision`: the first revision the stream must deliver; 0 = the
  // server's next one (the first event received is then taken as expected).
  explicit WatchStream(int64_t start_revision)
      : expected_(start_revision > 0 ? start_revision : 0) {}
  // One event received, called in the order the stream delivered them (from
  // the reactor, one read at a time): checks its order, hands it to `sink`,
  // then advances last_revision().
  void Deliver(int64_t revision, absl::Time received, DeliverySink& sink);
  void NoteDone(std::string error);

 private:
  int64_t expected_;  // the next revision due; 0 = any; reactor only
  std::atomic<int64_t> lost_{0};
  std::atomic<int64_t> duplicated_{0};
  std::atomic<int64_t> last_revision_{0};
  std::atomic<bool> ended_{false};
  absl::Mutex mutex_;
  bool done_ ABSL_GUARDED_BY(mutex_) = false;
  std::string error_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_DELIVERY_H_
