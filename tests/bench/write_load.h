// The write half of every workload: a client that keeps up to N writes in
// flight (closed loop, full speed) or starts them at a fixed rate (open loop,
// capped at N in flight), measures each from start to acknowledgement, and
// records when each revision was acknowledged (AckTable) so watchers can
// measure delivery latency from acknowledgement to receipt.
//
// The system under test is hidden behind WriteOp (claimd UpdateClaimStatus,
// claimd CreateClaim, etcd Put, the echo ceiling), all on gRPC's callback API.
//
// Thread-safety: RunWriteLoad blocks its caller; WriteOp::Start's callback runs
// on gRPC threads; AckTable is lock-free.
#ifndef CLAIMD_TESTS_BENCH_WRITE_LOAD_H_
#define CLAIMD_TESTS_BENCH_WRITE_LOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/bench/latency_histogram.h"

namespace claimd::bench {

// One kind of write against one system. Start is called from one thread.
class WriteOp {
 public:
  // ok=false: the write failed (`error` says why); else `revision` is the
  // revision the system gave the write (0 when it has none, as for echo).
  using Done =
      std::function<void(bool ok, int64_t revision, const std::string& error)>;
  virtual ~WriteOp() = default;
  // Starts write number `sequence`; `done` runs exactly once, as the last
  // thing the op does for this write: the call's ClientContext (which holds a
  // reference to its channel) must be gone by then. Once every `done` ran, the
  // caller may destroy its channels; if a context outlived them, the channel's
  // last reference would drop on a gRPC callback thread, and gRPC 1.51 then
  // frees its callback completion queue under that very thread and crashes
  // (grpc/grpc#32584).
  virtual void Start(int64_t sequence, Done done) = 0;
};

// Acknowledgement times of revisions [first, first + capacity), in
// nanoseconds since the epoch; 0 = not (yet) acknowledged.
class AckTable {
 public:
  AckTable(int64_t first_revision, size_t capacity)
      : first_(first_revision),
        owned_(std::make_unique<std::atomic<int64_t>[]>(capacity)),
        acks_(owned_.get()),
        capacity_(capacity) {}
  // Over `capacity` zeroed slots the caller keeps (memory shared with another
  // process: writer_process.h).
  AckTable(int64_t first_revision, std::atomic<int64_t>* slots, size_t capacity)
      : first_(first_revision), acks_(slots), capacity_(capacity) {}
  void Record(int64_t revision, absl::Time ack);
  // Nullopt-like: 0 when unknown or outside the table.
  int64_t AckNanos(int64_t revision) const;

 private:
  const int64_t first_;
  std::unique_ptr<std::atomic<int64_t>[]> owned_;
  std::atomic<int64_t>* const acks_;
  const size_t capacity_;
};

struct WriteLoadOptions {
  int in_flight = 64;
  absl::Duration duration = absl::Seconds(5);
  double rate = 0;  // writes per second; 0 = as fast as in_flight allows
  int64_t max_ops = INT64_MAX;
  int64_t first_sequence = 0;  // passed on to WriteOp::Start
};

struct WriteLoadResult {
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;
  absl::Duration elapsed;
  int64_t last_revision = 0;  // highest acknowledged revision
  double ops_per_second() const;
};

// Runs the load; `histogram` gets every successful write's latency (from its
// start, or at a fixed rate from when it was due, so that time spent waiting
// for an in-flight slot counts: no coordinated omission); `acks`
// (may be null) every acknowledged revision.
WriteLoadResult RunWriteLoad(WriteOp& op, const WriteLoadOptions& options,
                             LatencyHistogram& histogram, AckTable* acks);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_WRITE_LOAD_H_
