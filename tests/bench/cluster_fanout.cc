#include "tests/bench/cluster_fanout.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/fanout.h"
#include "tests/bench/measure.h"
#include "tests/bench/writer_process.h"

namespace claimd::bench {
namespace {

// The watchers of replica `replica` when `total` are split over `count`.
int WatchersOn(int total, int count, int replica) {
  return total / count + (replica < total % count ? 1 : 0);
}

// The watch channels of replica `replica`: channel i of the plan's goes to
// replica i % count, at least one each.
int ChannelsOn(const BenchPlan& plan, int count, int replica) {
  return std::max(1, WatchersOn(plan.watch_channels, count, replica));
}

}  // namespace

std::string ClusterFanoutSetup(const BenchPlan& plan, int count, int replica) {
  const int channels = ChannelsOn(plan, count, replica);
  return absl::StrCat(
      plan.cluster_fanout_watchers, " watchers, ", plan.cluster_fanout_rate,
      " writes/s through replica 1 for ",
      absl::FormatDuration(plan.cluster_fanout_duration), ", ", count,
      count == 1 ? " replica" : " replicas", ": the ",
      WatchersOn(plan.cluster_fanout_watchers, count, replica), " on replica ",
      replica + 1, ", ", channels, channels == 1 ? " channel" : " channels");
}

void RunClusterFanout(const BenchPlan& plan,
                      const std::vector<const ClaimdServer*>& replicas,
                      BenchReport& report) {
  if (plan.cluster_fanout_watchers <= 0) return;
  const Channels writer_channels =
      MakeChannels(replicas[0]->address(), plan.channels);
  // rows[k][r]: replica count plan.replicas[k], replica r; added to the
  // report at the end.
  std::vector<std::vector<ResultRow>> rows;
  std::vector<std::vector<WatcherGroup>> setups;
  for (const int count : plan.replicas) {
    rows.emplace_back();
    setups.emplace_back();
    for (int r = 0; r < count; ++r) {
      rows.back().push_back({"fanout", "claimd on etcd",
                             ClusterFanoutSetup(plan, count, r), "events/s",
                             "MiB replica RSS"});
      setups.back().push_back(
          {MakeChannels(replicas[static_cast<size_t>(r)]->address(),
                        ChannelsOn(plan, count, r)),
           WatchersOn(plan.cluster_fanout_watchers, count, r),
           replicas[static_cast<size_t>(r)]->pid()});
    }
  }
  FanoutOptions options;
  options.rate = plan.cluster_fanout_rate;
  options.load.in_flight = plan.in_flight;
  options.load.duration = plan.cluster_fanout_duration;
  options.load.max_ops = static_cast<int64_t>(
      plan.cluster_fanout_rate *
          absl::ToDoubleSeconds(plan.cluster_fanout_duration) +
      1);
  for (int trial = 0; trial < plan.trials; ++trial) {
    for (size_t k = 0; k < setups.size(); ++k) {
      const int count = plan.replicas[k];
      PrintProgress(absl::StrCat("cluster trial ", trial, ": fanout, ",
                                 plan.cluster_fanout_watchers, " watchers, ",
                                 count, count == 1 ? " replica" : " replicas"));
      const WriterSpec writer{WriterSpec::kClaimdCreate, replicas[0]->address(),
                              plan.channels,
                              absl::StrCat("fan", count, "-", trial, "-")};
      std::unique_ptr<WriteOp> op = NewWriteOp(writer, writer_channels);
      options.writer_process = writer;
      absl::StatusOr<std::vector<Measurement>> measured =
          RunFanoutGroups(*op, setups[k], StartClaimdWatch, options);
      for (size_t r = 0; r < rows[k].size(); ++r) {
        if (measured.ok()) {
          rows[k][r].trials.push_back((*measured)[r]);
          continue;
        }
        Measurement failed;
        failed.note = std::string(measured.status().message());
        failed.failed = true;
        rows[k][r].trials.push_back(failed);
      }
    }
  }
  for (auto& count_rows : rows) {
    for (ResultRow& row : count_rows) report.Add(std::move(row));
  }
}

}  // namespace claimd::bench
