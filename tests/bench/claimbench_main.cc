// claimbench: claimd's load generator, side by side with etcd and the raw gRPC
// ceiling of the machine. One process, gRPC's callback client API, many
// channels; prints one Markdown table of medians of repeated trials, then the
// ratios and targets of issue 4. tests/bench/run.sh runs it in full and writes
// docs/BENCHMARKS.md; the `bench_smoke` CTest runs it with tiny sizes.
//
// claimd is started by claimbench (the built binary, on free loopback ports,
// data under --work_dir); etcd is started by run.sh and given with --etcd.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/util/parse_flags.h"
#include "tests/bench/bench_plan.h"
#include "tests/bench/writer_process.h"

ABSL_FLAG(std::vector<std::string>, workloads,
          std::vector<std::string>({"ceiling", "write", "evidence", "fanout",
                                    "history", "etcd"}),
          "Which to run: ceiling, write, evidence (updates of claims with 1 "
          "and 200 evidence items; the store's size after many updates), "
          "fanout, history (recovery, catchup, list and writes over a large "
          "store), etcd (needs --etcd), cluster (claimd over a 3-member etcd "
          "cluster it starts itself: --etcd_cluster, --replicas; not run "
          "unless named)");
ABSL_FLAG(std::string, claimd_binary, "",
          "The claimd to measure (default: the one this tree built)");
ABSL_FLAG(int, trials, 3, "Trials per figure; the table shows medians");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5),
          "Length of one timed write or fan-out trial");
ABSL_FLAG(int, in_flight, 64, "Writes in flight (full-speed workloads)");
ABSL_FLAG(int, channels, 4, "Channels (TCP connections) for writes");
ABSL_FLAG(int, watch_channels, 16, "Channels the watchers are spread over");
ABSL_FLAG(double, steady_rate, 1000, "Writes/s of the fixed-rate workloads");
ABSL_FLAG(std::vector<std::string>, watchers,
          std::vector<std::string>({"1", "100", "1000", "10000"}),
          "Watcher counts of the fan-out workload");
ABSL_FLAG(int, update_claims, 10000,
          "Claims (etcd keys) the update workload spreads over");
ABSL_FLAG(int, evidence_claims, 2000,
          "Claims each evidence row's updates spread over");
ABSL_FLAG(int, disk_claims, 1000, "Claims of the disk-size row");
ABSL_FLAG(int, disk_updates, 100,
          "Evidence-adding updates per claim in the disk-size row");
ABSL_FLAG(int64_t, history_claims, 1000000, "Claims in the large store");
ABSL_FLAG(int64_t, history_events, 5000000, "Events in the large store");
ABSL_FLAG(int64_t, catchup_events, 1000000,
          "Events a watcher resuming from revision 1 reads");
ABSL_FLAG(int, list_page_size, 100, "ListClaims page size");
ABSL_FLAG(std::string, list_filter, "status = CONFIRMED",
          "Filter of the filtered ListClaims workload");
ABSL_FLAG(int64_t, stream_messages, 200000,
          "Messages per trial of the streaming ceiling");
ABSL_FLAG(std::string, etcd, "", "etcd client address HOST:PORT");
ABSL_FLAG(int, etcd_pid, 0, "etcd's pid, for its RSS per watcher");
ABSL_FLAG(int, etcd_cluster, 3,
          "cluster workload: etcd members to start on loopback");
ABSL_FLAG(std::vector<std::string>, replicas,
          std::vector<std::string>({"1", "2"}),
          "cluster workload: claimd replica counts the write rows spread over");
ABSL_FLAG(int, read_count, 1000,
          "cluster workload: sequential reads per etcd-calls-per-read row");
ABSL_FLAG(int, cluster_fanout_watchers, 1000,
          "cluster workload: watchers of the fan-out rows, split evenly over "
          "the replicas (0: no fan-out rows)");
ABSL_FLAG(double, cluster_fanout_rate, 1000,
          "cluster workload: writes/s through replica 1 in the fan-out rows");
ABSL_FLAG(absl::Duration, cluster_fanout_duration, absl::Seconds(10),
          "cluster workload: length of one fan-out trial's writes");
ABSL_FLAG(std::string, work_dir, "",
          "Where claimd data and logs go (default: a new folder in /tmp, "
          "removed at the end)");
ABSL_FLAG(bool, strict, false,
          "Exit non-zero when any call failed or any watcher missed an event "
          "(for the smoke test)");
ABSL_FLAG(std::string, writer_child, "",
          "Internal: run as the fan-out rows' writer process "
          "(tests/bench/writer_process.h) with this description, then exit");
ABSL_FLAG(std::string, history_store, "",
          "Reuse this generated large-store data directory instead of "
          "generating one (it is written to)");

namespace {

claimd::bench::BenchPlan PlanFromFlags() {
  claimd::bench::BenchPlan plan;
  for (const std::string& name : absl::GetFlag(FLAGS_workloads))
    plan.workloads.insert(name);
  plan.trials = absl::GetFlag(FLAGS_trials);
  plan.claimd_binary = absl::GetFlag(FLAGS_claimd_binary);
  plan.evidence_claims = absl::GetFlag(FLAGS_evidence_claims);
  plan.disk_claims = absl::GetFlag(FLAGS_disk_claims);
  plan.disk_updates = absl::GetFlag(FLAGS_disk_updates);
  plan.duration = absl::GetFlag(FLAGS_duration);
  plan.in_flight = absl::GetFlag(FLAGS_in_flight);
  plan.channels = absl::GetFlag(FLAGS_channels);
  plan.watch_channels = absl::GetFlag(FLAGS_watch_channels);
  plan.steady_rate = absl::GetFlag(FLAGS_steady_rate);
  plan.watchers.clear();
  for (const std::string& count : absl::GetFlag(FLAGS_watchers))
    plan.watchers.push_back(std::stoi(count));
  plan.update_claims = absl::GetFlag(FLAGS_update_claims);
  plan.history_claims = absl::GetFlag(FLAGS_history_claims);
  plan.history_events = absl::GetFlag(FLAGS_history_events);
  plan.catchup_events = absl::GetFlag(FLAGS_catchup_events);
  plan.list_page_size = absl::GetFlag(FLAGS_list_page_size);
  plan.list_filter = absl::GetFlag(FLAGS_list_filter);
  plan.stream_messages = absl::GetFlag(FLAGS_stream_messages);
  plan.etcd_address = absl::GetFlag(FLAGS_etcd);
  plan.etcd_pid = absl::GetFlag(FLAGS_etcd_pid);
  plan.history_store = absl::GetFlag(FLAGS_history_store);
  plan.etcd_cluster = absl::GetFlag(FLAGS_etcd_cluster);
  plan.replicas.clear();
  for (const std::string& count : absl::GetFlag(FLAGS_replicas))
    plan.replicas.push_back(std::stoi(count));
  plan.read_count = absl::GetFlag(FLAGS_read_count);
  plan.cluster_fanout_watchers = absl::GetFlag(FLAGS_cluster_fanout_watchers);
  plan.cluster_fanout_rate = absl::GetFlag(FLAGS_cluster_fanout_rate);
  plan.cluster_fanout_duration = absl::GetFlag(FLAGS_cluster_fanout_duration);
  plan.strict = absl::GetFlag(FLAGS_strict);
  return plan;
}

}  // namespace

int main(int argc, char** argv) {
  claimd::util::ParseFlagsOrExit(argc, argv);
  if (const std::string child = absl::GetFlag(FLAGS_writer_child);
      !child.empty())
    return claimd::bench::WriterChildMain(child);
  claimd::bench::BenchPlan plan = PlanFromFlags();
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  const bool temporary = work_dir.empty();
  if (temporary) {
    std::string pattern = "/tmp/claimbench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "claimbench: cannot create a work directory in /tmp\n";
      return 1;
    }
    work_dir = pattern;
  }
  std::filesystem::create_directories(work_dir);
  plan.work_dir = work_dir;
  const absl::Status status = claimd::bench::RunPlan(plan, std::cout);
  if (temporary) std::filesystem::remove_all(work_dir);
  if (!status.ok()) {
    std::cerr << "claimbench: " << status << "\n";
    return 1;
  }
  return 0;
}
