#include "tests/bench/bench_plan.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "service/util/status_macros.h"
#include "tests/bench/bench_report.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/claimd_server.h"
#include "tests/bench/cluster_rows.h"
#include "tests/bench/echo_ceiling.h"
#include "tests/bench/etcd_client.h"
#include "tests/bench/fanout.h"
#include "tests/bench/history_store.h"
#include "tests/bench/measure.h"
#include "tests/bench/targets.h"
#include "tests/bench/writer_process.h"

namespace claimd::bench {
namespace {

// Deliveries (events x watchers) one full-speed fan-out trial may ask for, so
// that 10,000 watchers finish in seconds; fixed-rate trials are capped the
// same way.
constexpr int64_t kDeliveryBudget = 2'000'000;
std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

class Runner {
 public:
  Runner(const BenchPlan& plan, std::ostream& out) : plan_(plan), out_(out) {}

  absl::Status Run() {
    out_ << "claimbench: " << std::thread::hardware_concurrency() << " cores ("
         << CpuModel() << "), load average at start "
         << ReadFirstLine("/proc/loadavg") << "\n"
         << "durability: claimd --durable=true (synchronous=FULL, fsync per "
            "group commit); etcd fsyncs its WAL on every commit\n\n";
    out_.flush();
    if (plan_.Runs("ceiling")) RETURN_IF_ERROR(Ceiling());
    if (plan_.Runs("write") || plan_.Runs("fanout"))
      RETURN_IF_ERROR(ClaimdEmpty());
    if (plan_.Runs("evidence")) RETURN_IF_ERROR(EvidenceRows());
    if (plan_.Runs("fanout")) RETURN_IF_ERROR(IdleWatchers());
    if (plan_.Runs("etcd") && !plan_.etcd_address.empty())
      RETURN_IF_ERROR(Etcd());
    if (plan_.Runs("history")) RETURN_IF_ERROR(History());
    if (plan_.Runs("cluster")) RETURN_IF_ERROR(RunClusterRows(plan_, report_));
    report_.PrintTable(out_);
    out_ << "\n";
    PrintTargets(plan_, report_, out_);
    out_ << "\nload average at end " << ReadFirstLine("/proc/loadavg") << "\n";
    if (plan_.strict && report_.AnyFailed())
      return absl::InternalError("some trials failed; see the notes column");
    return absl::OkStatus();
  }

 private:
  WriteLoadOptions FullSpeed() const {
    WriteLoadOptions load;
    load.in_flight = plan_.in_flight;
    load.duration = plan_.duration;
    return load;
  }
  WriteLoadOptions Steady() const {
    WriteLoadOptions load = FullSpeed();
    load.rate = plan_.steady_rate;
    return load;
  }
  std::string Spread() const {
    return absl::StrCat(plan_.in_flight, " in flight, ", plan_.channels,
                        " channels");
  }

  // Trials of one write load; `sequence` carries on across trials and rows.
  void WriteRow(ResultRow row, WriteOp& op, WriteLoadOptions load,
                int64_t& sequence) {
    PrintProgress(absl::StrCat(row.workload, " ", row.system, ": ", row.setup));
    ResultRow& added = report_.Add(std::move(row));
    for (int trial = 0; trial < plan_.trials; ++trial) {
      LatencyHistogram latency;
      load.first_sequence = sequence;
      WriteLoadResult result = RunWriteLoad(op, load, latency, nullptr);
      sequence += result.ok + result.failed;
      added.trials.push_back(MeasureWrites(result, latency));
    }
  }

  // A trial's measurement, or a failed trial with the error as its note.
  static void AddTrial(ResultRow& row, absl::StatusOr<Measurement> measured) {
    if (measured.ok()) {
      row.trials.push_back(*std::move(measured));
      return;
    }
    Measurement failed;
    failed.note = std::string(measured.status().message());
    failed.failed = true;
    row.trials.push_back(failed);
  }

  // Fan-out rows (fixed rate and full speed) for every watcher count.
  // `writer` names the writes (its prefix is set per trial); they run in a
  // process of their own (writer_process.h).
  absl::Status FanoutRows(const std::string& system, WriterSpec writer,
                          const std::string& address,
                          const StartWatchFn& start_watch, pid_t server_pid) {
    const Channels watch_channels = MakeChannels(address, plan_.watch_channels);
    const Channels writer_channels =
        MakeChannels(writer.address, writer.channels);
    for (int watchers : plan_.watchers) {
      for (const bool steady : {true, false}) {
        const int64_t budget =
            std::max<int64_t>(100, kDeliveryBudget / watchers);
        ResultRow row{
            "fanout", system,
            absl::StrCat(watchers, " watchers, ",
                         steady ? absl::StrCat(plan_.steady_rate, " writes/s")
                                : "full-speed writes",
                         ", ", plan_.watch_channels, " channels"),
            "events/s", "MiB server RSS"};
        PrintProgress(absl::StrCat("fanout ", system, ": ", row.setup));
        ResultRow& added = report_.Add(std::move(row));
        for (int trial = 0; trial < plan_.trials; ++trial) {
          writer.prefix =
              absl::StrCat("f", watchers, steady ? "s" : "f", trial, "-");
          std::unique_ptr<WriteOp> op = NewWriteOp(writer, writer_channels);
          FanoutOptions options;
          options.writer_process = writer;
          options.watchers = watchers;
          options.rate = steady ? plan_.steady_rate : 0;
          options.load = FullSpeed();
          options.load.max_ops = budget;
          options.server_pid = server_pid;
          AddTrial(added,
                   RunFanoutTrial(*op, watch_channels, start_watch, options));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Ceiling() {
    absl::StatusOr<std::unique_ptr<EchoServer>> server = EchoServer::Start();
    if (!server.ok()) return server.status();
    const Channels channels =
        MakeChannels((*server)->address(), plan_.channels);
    std::unique_ptr<WriteOp> op = NewEchoUnaryOp(channels, 64);
    int64_t sequence = 0;
    WriteRow({"write", "ceiling", absl::StrCat("echo unary, ", Spread()),
              "calls/s", ""},
             *op, FullSpeed(), sequence);
    WriteRow({"write", "ceiling",
              absl::StrCat("echo unary at ", plan_.steady_rate, "/s"),
              "calls/s", ""},
             *op, Steady(), sequence);
    for (const int streams : {1, 1000}) {
      ResultRow row{"fanout", "ceiling",
                    absl::StrCat("echo stream, ", streams, " streams, ",
                                 plan_.channels, " channels"),
                    "msgs/s", ""};
      PrintProgress(absl::StrCat("fanout ceiling: ", row.setup));
      ResultRow& added = report_.Add(std::move(row));
      for (int trial = 0; trial < plan_.trials; ++trial) {
        absl::StatusOr<StreamCeiling> result = RunStreamCeiling(
            channels, streams,
            std::max<int64_t>(1, plan_.stream_messages / streams), 64,
            absl::Minutes(2));
        if (!result.ok()) return result.status();
        Measurement m;
        m.rate = static_cast<double>(result->messages) /
                 absl::ToDoubleSeconds(result->elapsed);
        added.trials.push_back(m);
      }
    }
    return absl::OkStatus();
  }

  absl::Status ClaimdEmpty() {
    const std::string data = plan_.work_dir + "/empty";
    absl::StatusOr<std::unique_ptr<ClaimdServer>> server =
        ClaimdServer::Start(data, plan_.work_dir, {"--durable=true"},
                            absl::Seconds(60), plan_.claimd_binary);
    if (!server.ok()) return server.status();
    const Channels channels =
        MakeChannels((*server)->address(), plan_.channels);
    int64_t sequence = 0;
    if (plan_.Runs("write")) {
      // The update rows first, while the store holds only the claims they
      // update ("empty store": the baseline of the large-store rows).
      absl::StatusOr<std::vector<std::string>> ids =
          CreateUpdateClaims(channels, "u", plan_.update_claims);
      if (!ids.ok()) return ids.status();
      std::unique_ptr<WriteOp> update = NewUpdateStatusOp(channels, *ids);
      WriteRow({"write", "claimd",
                absl::StrCat("UpdateClaimStatus, ", Spread(), ", empty store"),
                "ops/s", ""},
               *update, FullSpeed(), sequence);
      WriteRow({"write", "claimd",
                absl::StrCat("UpdateClaimStatus at ", plan_.steady_rate,
                             "/s, empty store"),
                "ops/s", ""},
               *update, Steady(), sequence);
      std::unique_ptr<WriteOp> create = NewCreateClaimOp(channels, "c");
      sequence = 0;
      WriteRow({"write", "claimd", absl::StrCat("CreateClaim, ", Spread()),
                "ops/s", ""},
               *create, FullSpeed(), sequence);
    }
    if (plan_.Runs("fanout")) {
      return FanoutRows(
          "claimd",
          {WriterSpec::kClaimdCreate, (*server)->address(), plan_.channels, ""},
          (*server)->address(), StartClaimdWatch, (*server)->pid());
    }
    return absl::OkStatus();
  }

  // The server's memory with the plan's largest watcher count registered and
  // idle, each trial on a fresh claimd, so that nothing earlier in the run
  // (the watch window, memory malloc kept) is counted.
  absl::Status IdleWatchers() {
    const int watchers =
        *std::max_element(plan_.watchers.begin(), plan_.watchers.end());
    ResultRow row{"idle", "claimd",
                  absl::StrCat(watchers,
                               " idle watchers, a fresh claimd per "
                               "trial, ",
                               plan_.watch_channels, " channels"),
                  "events/s", "MiB server RSS"};
    PrintProgress(absl::StrCat("idle claimd: ", row.setup));
    ResultRow& added = report_.Add(std::move(row));
    for (int trial = 0; trial < plan_.trials; ++trial) {
      absl::StatusOr<std::unique_ptr<ClaimdServer>> server =
          ClaimdServer::Start(absl::StrCat(plan_.work_dir, "/idle", trial),
                              plan_.work_dir, {"--durable=true"},
                              absl::Seconds(60), plan_.claimd_binary);
      if (!server.ok()) return server.status();
      const Channels channels =
          MakeChannels((*server)->address(), plan_.channels);
      const Channels watch_channels =
          MakeChannels((*server)->address(), plan_.watch_channels);
      std::unique_ptr<WriteOp> op = NewCreateClaimOp(channels, "i");
      FanoutOptions options;
      options.watchers = watchers;
      options.rate = plan_.steady_rate;
      options.load = FullSpeed();
      options.load.max_ops = 10;  // the memory is measured before the load
      options.server_pid = (*server)->pid();
      absl::StatusOr<Measurement> measured =
          RunFanoutTrial(*op, watch_channels, StartClaimdWatch, options);
      if (measured.ok()) {
        // The ten writes only show the watchers are live; their rates and
        // latencies mean nothing. The row is about memory.
        Measurement memory;
        memory.extra = measured->extra;
        memory.failed = measured->failed;
        for (absl::string_view part : absl::StrSplit(measured->note, "; ")) {
          if (measured->failed || absl::StrContains(part, "RSS/watcher"))
            absl::StrAppend(&memory.note, memory.note.empty() ? "" : "; ",
                            part);
        }
        measured = memory;
      }
      AddTrial(added, std::move(measured));
    }
    return absl::OkStatus();
  }

  // Updates of claims holding 1 and 200 evidence items: an update should
  // cost the same whatever the claim already holds. Then the disk row. A
  // claimd of their own, so the empty-store rows keep their store.
  absl::Status EvidenceRows() {
    absl::StatusOr<std::unique_ptr<ClaimdServer>> server = ClaimdServer::Start(
        plan_.work_dir + "/evidence", plan_.work_dir, {"--durable=true"},
        absl::Seconds(60), plan_.claimd_binary);
    if (!server.ok()) return server.status();
    const Channels channels =
        MakeChannels((*server)->address(), plan_.channels);
    // A claim holds at most 256 items: all trials together add at most 50 to
    // each claim (200 + 50 < 256).
    const int per_claim = std::max(1, 50 / std::max(1, plan_.trials));
    for (const int items : {1, 200}) {
      absl::StatusOr<std::vector<std::string>> ids =
          CreateUpdateClaims(channels, absl::StrCat("e", items, "-"),
                             plan_.evidence_claims, items);
      if (!ids.ok()) return ids.status();
      std::unique_ptr<WriteOp> update = NewUpdateStatusOp(channels, *ids);
      WriteLoadOptions load = FullSpeed();
      load.max_ops = int64_t{per_claim} * plan_.evidence_claims;
      int64_t sequence = 0;
      WriteRow({"write", "claimd",
                absl::StrCat("UpdateClaimStatus of claims holding ", items,
                             " evidence items, ", Spread(), ", ",
                             plan_.evidence_claims, " claims"),
                "ops/s", ""},
               *update, load, sequence);
    }
    server->reset();
    return DiskRow();
  }

  // The data directory's size after `disk_updates` evidence-adding updates to
  // each of `disk_claims` claims, against the raw bytes of the claims (id and
  // statement) and their evidence (source and url). Measured after claimd
  // stopped, which checkpoints the WAL into the database file and removes it.
  absl::Status DiskRow() {
    const std::string data = plan_.work_dir + "/disk";
    ResultRow row{
        "disk", "claimd",
        absl::StrCat(plan_.disk_claims, " claims, ", plan_.disk_updates,
                     " evidence-adding updates each, data directory "
                     "after shutdown"),
        "", "x raw bytes"};
    PrintProgress(absl::StrCat("disk claimd: ", row.setup));
    ResultRow& added = report_.Add(std::move(row));
    const int64_t updates = int64_t{plan_.disk_claims} * plan_.disk_updates;
    {
      absl::StatusOr<std::unique_ptr<ClaimdServer>> server =
          ClaimdServer::Start(data, plan_.work_dir, {"--durable=true"},
                              absl::Seconds(60), plan_.claimd_binary);
      if (!server.ok()) return server.status();
      const Channels channels =
          MakeChannels((*server)->address(), plan_.channels);
      absl::StatusOr<std::vector<std::string>> ids =
          CreateUpdateClaims(channels, "d", plan_.disk_claims);
      if (!ids.ok()) return ids.status();
      std::unique_ptr<WriteOp> update = NewUpdateStatusOp(channels, *ids);
      WriteLoadOptions load = FullSpeed();
      load.max_ops = updates;
      load.duration = absl::Minutes(30);
      LatencyHistogram ignored;
      const WriteLoadResult result =
          RunWriteLoad(*update, load, ignored, nullptr);
      if (result.ok != updates)
        return absl::UnavailableError(absl::StrCat(
            "the disk row's updates failed: ", result.first_error));
    }
    int64_t raw = 0;
    for (int i = 0; i < plan_.disk_claims; ++i)
      raw += static_cast<int64_t>(CreateClaimBytes("d", i));
    for (int64_t i = 0; i < updates; ++i)
      raw += static_cast<int64_t>(UpdateEvidenceBytes(i));
    int64_t disk = 0;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(data)) {
      if (entry.is_regular_file())
        disk += static_cast<int64_t>(entry.file_size());
    }
    Measurement m;
    m.extra = static_cast<double>(disk) / static_cast<double>(raw);
    m.note = absl::StrFormat("%.1f MiB on disk, %.1f MiB raw",
                             static_cast<double>(disk) / (1 << 20),
                             static_cast<double>(raw) / (1 << 20));
    added.trials.push_back(m);
    return absl::OkStatus();
  }

  // Creates `count` claims `prefix`0.. at full speed, untimed, each with
  // `evidence_items` pieces of evidence.
  absl::StatusOr<std::vector<std::string>> CreateUpdateClaims(
      const Channels& channels, const std::string& prefix, int count,
      int evidence_items = 0) {
    std::unique_ptr<WriteOp> create =
        NewCreateClaimOp(channels, prefix, evidence_items);
    WriteLoadOptions load = FullSpeed();
    load.max_ops = count;
    load.duration = absl::Minutes(10);
    LatencyHistogram ignored;
    WriteLoadResult result = RunWriteLoad(*create, load, ignored, nullptr);
    if (result.ok != count)
      return absl::UnavailableError(absl::StrCat(
          "creating the claims to update failed: ", result.first_error));
    std::vector<std::string> ids;
    ids.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(prefix, i));
    return ids;
  }

  absl::Status Etcd() {
    const Channels channels = MakeChannels(plan_.etcd_address, plan_.channels);
    std::unique_ptr<WriteOp> put =
        NewEtcdPutOp(channels, "u", plan_.update_claims, kEtcdValueBytes);
    int64_t sequence = 0;
    if (plan_.Runs("write")) {
      WriteRow({"write", "etcd", absl::StrCat("Put, ", Spread()), "ops/s", ""},
               *put, FullSpeed(), sequence);
      WriteRow({"write", "etcd",
                absl::StrCat("Put at ", plan_.steady_rate, "/s"), "ops/s", ""},
               *put, Steady(), sequence);
    }
    if (plan_.Runs("fanout")) {
      return FanoutRows(
          "etcd",
          {WriterSpec::kEtcdPut, plan_.etcd_address, plan_.channels, ""},
          plan_.etcd_address, StartEtcdWatch, plan_.etcd_pid);
    }
    return absl::OkStatus();
  }

  absl::Status History() {
    std::string data = plan_.history_store;
    std::string generated_note;
    if (data.empty()) {
      data = plan_.work_dir + "/history";
      PrintProgress(absl::StrCat("generating ", plan_.history_claims,
                                 " claims, ", plan_.history_events, " events"));
      absl::StatusOr<absl::Duration> took = GenerateHistoryStore(
          data, plan_.history_claims, plan_.history_events);
      if (!took.ok()) return took.status();
      generated_note = absl::StrCat(
          "store generated with the store library in ",
          absl::StrFormat("%.1f", absl::ToDoubleSeconds(*took)), " s");
    }
    const std::string sizes = absl::StrCat(plan_.history_claims, " claims, ",
                                           plan_.history_events, " events");
    ResultRow& recovery =
        report_.Add({"recovery", "claimd", sizes, "", "s to serving"});
    std::unique_ptr<ClaimdServer> server;
    for (int trial = 0; trial < plan_.trials; ++trial) {
      PrintProgress(absl::StrCat("recovery trial ", trial));
      server.reset();  // stops the previous one first (its data dir lock)
      absl::StatusOr<std::unique_ptr<ClaimdServer>> started =
          ClaimdServer::Start(data, plan_.work_dir, {"--durable=true"},
                              absl::Minutes(5));
      if (!started.ok()) return started.status();
      server = std::move(*started);
      Measurement m;
      m.extra = absl::ToDoubleSeconds(server->startup());
      m.note = generated_note;
      recovery.trials.push_back(m);
    }
    const Channels channels = MakeChannels(server->address(), plan_.channels);

    const int64_t target = std::min(plan_.catchup_events, plan_.history_events);
    ResultRow& catchup = report_.Add(
        {"catchup", "claimd",
         absl::StrCat("resume from revision 1 over ", target, " events"),
         "events/s", ""});
    for (int trial = 0; trial < plan_.trials; ++trial) {
      PrintProgress(absl::StrCat("catchup trial ", trial));
      absl::StatusOr<Measurement> m = RunCatchupTrial(
          *channels[0], StartClaimdWatch, target, absl::Minutes(5));
      if (!m.ok()) return m.status();
      catchup.trials.push_back(*m);
    }

    for (const std::string& filter : {std::string(), plan_.list_filter}) {
      ResultRow& list = report_.Add(
          {"list", "claimd",
           absl::StrCat("page_size ", plan_.list_page_size, ", ",
                        filter.empty() ? "no filter"
                                       : absl::StrCat("filter `", filter, "`"),
                        ", over ", plan_.history_claims, " claims, 4 readers"),
           "pages/s", ""});
      PrintProgress(absl::StrCat("list: ", list.setup));
      for (int trial = 0; trial < plan_.trials; ++trial) {
        absl::StatusOr<ListRun> run = RunListLoad(
            channels, filter, plan_.list_page_size, 4, plan_.duration);
        if (!run.ok()) return run.status();
        Measurement m;
        m.rate = static_cast<double>(run->pages) /
                 absl::ToDoubleSeconds(run->elapsed);
        list.trials.push_back(m);
      }
    }

    // The same update workload as on the empty store, over claims spread
    // through the large store.
    std::vector<std::string> ids;
    const int64_t count =
        std::min<int64_t>(plan_.update_claims, plan_.history_claims);
    ids.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
      ids.push_back(HistoryClaimId(i * (plan_.history_claims / count)));
    std::unique_ptr<WriteOp> update = NewUpdateStatusOp(channels, ids);
    int64_t sequence = 0;
    WriteRow({"write", "claimd",
              absl::StrCat("UpdateClaimStatus, ", Spread(), ", ",
                           plan_.history_claims, " stored claims"),
              "ops/s", ""},
             *update, FullSpeed(), sequence);
    WriteRow({"write", "claimd",
              absl::StrCat("UpdateClaimStatus at ", plan_.steady_rate, "/s, ",
                           plan_.history_claims, " stored claims"),
              "ops/s", ""},
             *update, Steady(), sequence);
    return absl::OkStatus();
  }

  const BenchPlan& plan_;
  std::ostream& out_;
  BenchReport report_;
};

}  // namespace

absl::Status RunPlan(const BenchPlan& plan, std::ostream& out) {
  return Runner(plan, out).Run();
}

}  // namespace claimd::bench
