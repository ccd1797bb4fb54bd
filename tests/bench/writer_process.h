// The fan-out rows' writer in a process of its own.
//
// Services that write claims and monitors that watch them are different
// programs. In one claimbench process they were not: the 1,000 watch streams
// kept the client's gRPC threads busy decoding events, and the writer's
// acknowledgements waited behind them. claimd answered CreateClaim in 2.9 ms
// on average (its own claimd_rpc_duration_seconds) while the writer measured a
// p99 of 1.9 s and fell to about 530 writes/s (docs/BENCHMARKS.md). So the
// fan-out rows run their timed writes in a child claimbench (this binary,
// started again with --writer_child), with its own gRPC threads, and the
// kernel shares the cores between the two clients and the server.
//
// The child records each acknowledgement in an AckTable and its latencies in a
// LatencyHistogram, both in memory shared with the parent (a memfd), so the
// watchers measure delivery from acknowledgement to receipt as before.
//
//   WriterSpec spec{WriterSpec::kClaimdCreate, address, 4, "f1000s0-"};
//   ASSIGN_OR_RETURN(ChildWriteLoad load, ChildWriteLoad::Create(first, n));
//   load.acks();  // hand to the watchers' DeliverySinks
//   ASSIGN_OR_RETURN(WriteLoadResult result, load.Run(spec, options));
//
// Thread-safety: ChildWriteLoad is used from one thread (Run blocks it); its
// AckTable may be read from any thread.
#ifndef CLAIMD_TESTS_BENCH_WRITER_PROCESS_H_
#define CLAIMD_TESTS_BENCH_WRITER_PROCESS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/latency_histogram.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

// Which writes, against what: enough for another process to build the same
// WriteOp.
struct WriterSpec {
  enum Kind { kClaimdCreate, kEtcdPut };
  Kind kind = kClaimdCreate;
  std::string address;
  int channels = 1;
  std::string prefix;  // claim ids or etcd keys start with it
};

// The WriteOp `spec` names, over `channels` (to spec.address).
std::unique_ptr<WriteOp> NewWriteOp(const WriterSpec& spec,
                                    const Channels& channels);

class ChildWriteLoad {
 public:
  // Shared memory for acknowledgements of revisions [first_revision,
  // first_revision + capacity). Errors: INTERNAL (memfd, mmap).
  static absl::StatusOr<ChildWriteLoad> Create(int64_t first_revision,
                                               size_t capacity);
  ChildWriteLoad(ChildWriteLoad&& other) noexcept;
  ChildWriteLoad& operator=(ChildWriteLoad&&) = delete;
  ChildWriteLoad(const ChildWriteLoad&) = delete;
  ~ChildWriteLoad();

  AckTable& acks() { return *acks_; }
  // The child's write latencies (valid after Run).
  const LatencyHistogram& latency() const;
  // When the child started its load (valid after Run).
  absl::Time started() const;

  // Runs RunWriteLoad(NewWriteOp(spec), options) in a child claimbench and
  // waits for it (the child stops by itself: options bound its count and
  // time). Errors: INTERNAL (the child could not start or failed).
  absl::StatusOr<WriteLoadResult> Run(const WriterSpec& spec,
                                      const WriteLoadOptions& options);

 private:
  ChildWriteLoad(int fd, void* mapping, size_t bytes, int64_t first_revision,
                 size_t capacity);

  int fd_ = -1;
  void* mapping_ = nullptr;  // what the child reports, then the AckTable
  size_t bytes_ = 0;
  int64_t first_revision_ = 0;
  size_t capacity_ = 0;
  std::unique_ptr<AckTable> acks_;
};

// The child's side: `description` is what Run passed (--writer_child). Returns
// the process's exit code.
int WriterChildMain(const std::string& description);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_WRITER_PROCESS_H_
