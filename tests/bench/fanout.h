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
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/bench/bench_report.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/delivery.h"
#include "tests/bench/write_load.h"
#include "tests/bench/writer_process.h"

namespace claimd::bench {

using StartWatchFn = std::function<std::unique_ptr<WatchStream>(
    grpc::Channel& channel, int64_t start_revision, DeliverySink* sink)>;

struct FanoutOptions {
  int watchers = 1;  // RunFanoutTrial only
  double rate = 0;   // writes/s; 0 = full speed
  WriteLoadOptions load;
  absl::Duration settle_timeout = absl::Seconds(60);
  pid_t server_pid = 0;  // RunFanoutTrial only: for VmRSS; 0 = not measured
  // Set: the timed writes run in a child process making these writes (the
  // same as `op`'s: the same prefix, the sequence going on from the warm-up
  // writes), so that the watchers' client does not delay the writer's
  // (writer_process.h). Unset: `op` makes them in this process.
  std::optional<WriterSpec> writer_process;
};

// One trial: rate = events delivered per second (all watchers), p50/p99 =
// acknowledgement -> receipt (0 when the event arrived before the writer had
// its acknowledgement), extra = server VmRSS in MiB with the watchers
// registered and idle, write_rate = the writes/s the writer achieved. The
// note names watchers that missed events or failed, counts events lost or
// duplicated (every watcher must receive every revision once, in order), and
// gives the share delivered before the ack, the growth per watcher and the
// writer's figures.
absl::StatusOr<Measurement> RunFanoutTrial(WriteOp& op,
                                           const Channels& watch_channels,
                                           const StartWatchFn& start_watch,
                                           const FanoutOptions& options);

// Watchers of one server (a replica) in a trial with several.
struct WatcherGroup {
  Channels channels;  // the group's watchers, spread round-robin over these
  int watchers = 0;
  pid_t server_pid = 0;  // for VmRSS; 0 = not measured
};

// RunFanoutTrial with one writer and several groups of watchers (say one per
// replica): one Measurement per group, in order, each as RunFanoutTrial's but
// over that group's watchers only (the writer's figures are the same in all).
absl::StatusOr<std::vector<Measurement>> RunFanoutGroups(
    WriteOp& op, const std::vector<WatcherGroup>& groups,
    const StartWatchFn& start_watch, const FanoutOptions& options);

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
