// The fan-out rows of claimbench's cluster workload (cluster_rows.h, issue 17:
// "fan-out per replica as with SQLite, 1,000 watchers at 1,000 writes/s, p99
// < 50 ms"). For each replica count, N watchers split evenly over that many
// replicas watch every claim from the next revision while one writer creates
// claims at a fixed rate through replica 1 for a bounded time; a row per
// replica gives its watchers' delivery rate and latency (acknowledgement to
// receipt, the SQLite fan-out rows' method: fanout.h), the writer's achieved
// rate, and the events lost or duplicated (every watcher must receive every
// revision once, in order). Trials interleave the replica counts.
//
// Thread-safety: RunClusterFanout blocks its caller.
#ifndef CLAIMD_TESTS_BENCH_CLUSTER_FANOUT_H_
#define CLAIMD_TESTS_BENCH_CLUSTER_FANOUT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/bench/bench_plan.h"
#include "tests/bench/bench_report.h"
#include "tests/bench/claimd_server.h"

namespace claimd::bench {

// Adds the rows to `report`, for every count in plan.replicas (replicas must
// hold at least that many running replicas over one etcd cluster, and no
// other writer may write meanwhile). A trial that cannot run is a failed
// trial in its rows; no error is returned for it.
void RunClusterFanout(const BenchPlan& plan,
                      const std::vector<const ClaimdServer*>& replicas,
                      BenchReport& report);

// The setup column of the row for replica `replica` (0-based) of `count`:
// the targets (targets.h) find the rows by it.
std::string ClusterFanoutSetup(const BenchPlan& plan, int count, int replica);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_CLUSTER_FANOUT_H_
