// The fan-out and catch-up workloads, for any system with a WriteOp and a
// watch stream: W watchers spread over channels, a warm-up write that every
// watcher must receive (so all are registered and idle when the server's RSS
// is read), then a writer at a fixed rate or full speed, then a wait until
// every watcher has received the last acknowledged revision.
//
// Thread-safety: blocks the calling thread; reactors run on gRPC threads.
#ifndef CLAIMD_TESTS_BENCH_FANOUT_H_
#define CLAIMD_TESTS_BENCH_FANOUT_H_

#include <sys/types.h>

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "tests/bench/bench_report.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/delivery.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

using StartWatchFn = std::function<std::unique_ptr<WatchStream>(
    grpc::Channel& channel, int64_t start_revision, DeliverySink* sink)>;

struct FanoutOptions {
  int watchers = 1;
  double rate = 0;  // writes/s; 0 = full speed
  WriteLoadOptions load;
  absl::Duration settle_timeout = absl::Seconds(60);
  pid_t server_pid = 0;  // for VmRSS; 0 = not measured
};

// One trial: rate = events delivered per second (all watchers), p50/p99 =
// acknowledgement -> receipt (0 when the event arrived before the writer had
// its acknowledgement), extra = server VmRSS in MiB with the watchers
// registered and idle. The note names watchers that missed events or failed,
// the share delivered before the ack, the growth per watcher and the writes
// the writer achieved.
absl::StatusOr<Measurement> RunFanoutTrial(WriteOp& op,
                                           const Channels& watch_channels,
                                           const StartWatchFn& start_watch,
                                           const FanoutOptions& options);

// A watcher from revision 1 until it has received `target_revision`:
// rate = events/s.
absl::StatusOr<Measurement> RunCatchupTrial(grpc::Channel& channel,
                                            const StartWatchFn& start_watch,
                                            int64_t target_revision,
                                            absl::Duration timeout);

// VmRSS of `pid` in KiB, from /proc/<pid>/status; 0 when unreadable.
int64_t ResidentKib(pid_t pid);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_FANOUT_H_
