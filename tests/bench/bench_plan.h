// What one claimbench run measures (BenchPlan, filled from flags) and the code
// that runs it: the ceiling, claimd on an empty store, etcd, and claimd on a
// large generated store, then the table, the ratios and issue 4's targets.
//
// Thread-safety: RunPlan blocks its caller.
#ifndef CLAIMD_TESTS_BENCH_BENCH_PLAN_H_
#define CLAIMD_TESTS_BENCH_BENCH_PLAN_H_

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace claimd::bench {

struct BenchPlan {
  // ceiling, write, evidence, fanout, history, etcd, cluster
  std::set<std::string> workloads;
  int trials = 3;
  absl::Duration duration = absl::Seconds(5);
  int in_flight = 64;
  int channels = 4;
  int watch_channels = 16;
  double steady_rate = 1000;
  std::vector<int> watchers = {1, 100, 1000, 10000};
  int update_claims = 10000;
  int64_t history_claims = 1000000;
  int64_t history_events = 5000000;
  int64_t catchup_events = 1000000;
  int list_page_size = 100;
  std::string list_filter = "status = CONFIRMED";
  int64_t stream_messages = 200000;
  std::string etcd_address;  // empty: no etcd
  int etcd_pid = 0;
  std::string history_store;  // empty: generate under work_dir
  std::string work_dir;
  // The claimd binary to measure; empty: the one this tree built. (An older
  // build gives before/after figures from the same client.)
  std::string claimd_binary;
  // The evidence rows: claims per row, and updates per claim in the disk row.
  int evidence_claims = 2000;
  int disk_claims = 1000;
  int disk_updates = 100;
  // The cluster workload (cluster_rows.h): etcd members, and the replica
  // counts the write rows spread over; sequential reads per etcd-calls row.
  int etcd_cluster = 3;
  std::vector<int> replicas = {1, 2};
  int read_count = 1000;
  // The cluster's fan-out rows: watchers split evenly over the replicas (0: no
  // fan-out rows), the writer's rate through replica 1, and each trial's
  // length. The watchers share `watch_channels` channels, spread round-robin
  // over the replicas.
  int cluster_fanout_watchers = 1000;
  double cluster_fanout_rate = 1000;
  absl::Duration cluster_fanout_duration = absl::Seconds(10);
  bool strict = false;  // fail the run when any call or delivery failed

  bool Runs(const std::string& workload) const {
    return workloads.count(workload) > 0;
  }
};

// Runs the plan and prints the report to `out`. Errors: a system could not be
// started or a workload could not run at all (individual failed calls are
// counted in the table's notes instead).
absl::Status RunPlan(const BenchPlan& plan, std::ostream& out);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_BENCH_PLAN_H_
