#include "tests/bench/cluster_rows.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "claims/v1/claims.grpc.pb.h"
#include "service/util/status_macros.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/claimd_server.h"
#include "tests/bench/cluster_fanout.h"
#include "tests/bench/cluster_probes.h"
#include "tests/bench/delivery.h"
#include "tests/bench/etcd_client.h"
#include "tests/bench/measure.h"
#include "tests/etcd/etcd_cluster.h"

namespace claimd::bench {
namespace {

namespace v1 = ::claims::v1;

// The failover writer's rate: enough events that the first one from the other
// replica arrives within milliseconds of the resumed watch.
constexpr double kFailoverRate = 200;

Measurement Failed(const absl::Status& status) {
  Measurement m;
  m.note = std::string(status.message());
  m.failed = true;
  return m;
}

// One row's trials, run interleaved with other rows' trials.
struct LoadRow {
  ResultRow row;
  WriteOp* op;
  WriteLoadOptions load;
  int64_t sequence = 0;
};

class ClusterRunner {
 public:
  ClusterRunner(const BenchPlan& plan, BenchReport& report)
      : plan_(plan), report_(report) {}

  absl::Status Run() {
    PrintProgress(absl::StrCat("cluster: starting ", plan_.etcd_cluster,
                               " etcd members"));
    // EtcdCluster writes its members' logs beside their data directories:
    // the folder must exist.
    std::filesystem::create_directories(plan_.work_dir + "/etcd");
    ASSIGN_OR_RETURN(cluster_,
                     testing::EtcdCluster::Start(plan_.work_dir + "/etcd",
                                                 plan_.etcd_cluster));
    const int replicas = std::max(
        2, *std::max_element(plan_.replicas.begin(), plan_.replicas.end()));
    for (int i = 0; i < replicas; ++i) {
      ASSIGN_OR_RETURN(std::unique_ptr<ClaimdServer> replica,
                       StartReplica(absl::StrCat("replica", i)));
      replicas_.push_back(std::move(replica));
    }
    RETURN_IF_ERROR(WriteRows());
    RETURN_IF_ERROR(ReadRows());
    RETURN_IF_ERROR(RequestsPerRead());
    std::vector<const ClaimdServer*> replicas_used;
    replicas_used.reserve(replicas_.size());
    for (const auto& replica : replicas_)
      replicas_used.push_back(replica.get());
    RunClusterFanout(plan_, replicas_used, report_);
    RETURN_IF_ERROR(Failover());
    return LeaderKill();
  }

 private:
  absl::StatusOr<std::unique_ptr<ClaimdServer>> StartReplica(
      const std::string& name) {
    const std::string dir = absl::StrCat(plan_.work_dir, "/", name);
    std::filesystem::create_directories(dir);
    return ClaimdServer::Start(
        dir + "/data", dir,
        {"--store=etcd",
         absl::StrCat("--etcd_endpoints=", cluster_->EndpointList()),
         "--etcd_prefix=/claimbench/"},
        absl::Seconds(60), plan_.claimd_binary);
  }

  // `plan_.channels` channels spread round-robin over the first `count`
  // replicas.
  Channels Spread(int count) const {
    Channels channels;
    for (int i = 0; i < plan_.channels; ++i) {
      Channels one = MakeChannels(replicas_[i % count]->address(), 1);
      channels.push_back(one[0]);
    }
    return channels;
  }

  std::string Load() const {
    return absl::StrCat(plan_.in_flight, " in flight, ", plan_.channels,
                        " channels");
  }
  std::string Members() const {
    return absl::StrCat(plan_.etcd_cluster, " members");
  }
  WriteLoadOptions FullSpeed() const {
    WriteLoadOptions load;
    load.in_flight = plan_.in_flight;
    load.duration = plan_.duration;
    return load;
  }
  WriteLoadOptions Steady() const {
    WriteLoadOptions load = FullSpeed();
    load.rate = plan_.steady_rate;
    load.max_ops = static_cast<int64_t>(
        plan_.steady_rate * absl::ToDoubleSeconds(plan_.duration) + 1);
    return load;
  }

  // Creates `count` claims `prefix`0.. at full speed, untimed.
  absl::StatusOr<std::vector<std::string>> CreateClaims(
      const Channels& channels, const std::string& prefix, int count) {
    std::unique_ptr<WriteOp> create = NewCreateClaimOp(channels, prefix);
    WriteLoadOptions load = FullSpeed();
    load.max_ops = count;
    load.duration = absl::Minutes(5);
    LatencyHistogram ignored;
    const WriteLoadResult result =
        RunWriteLoad(*create, load, ignored, nullptr);
    if (result.ok != count)
      return absl::UnavailableError(
          absl::StrCat("creating claims failed: ", result.first_error));
    std::vector<std::string> ids;
    ids.reserve(count);
    for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(prefix, i));
    return ids;
  }

  // Every row gets one trial per round, rows in order, `plan_.trials` rounds.
  void RunInterleaved(std::vector<LoadRow>& rows) {
    for (int trial = 0; trial < plan_.trials; ++trial) {
      for (LoadRow& row : rows) {
        PrintProgress(absl::StrCat("cluster trial ", trial, ": ",
                                   row.row.system, ": ", row.row.setup));
        LatencyHistogram latency;
        row.load.first_sequence = row.sequence;
        const WriteLoadResult result =
            RunWriteLoad(*row.op, row.load, latency, nullptr);
        row.sequence += result.ok + result.failed;
        row.row.trials.push_back(MeasureWrites(result, latency));
      }
    }
    for (LoadRow& row : rows) report_.Add(std::move(row.row));
  }

  absl::Status WriteRows() {
    const Channels one = Spread(1);
    ASSIGN_OR_RETURN(ids_, CreateClaims(one, "u", plan_.update_claims));
    // etcd's Put goes to the first member only (claimd's etcd client spreads
    // its calls over all of them, round_robin).
    const Channels etcd =
        MakeChannels(cluster_->endpoints()[0], plan_.channels);
    std::unique_ptr<WriteOp> put =
        NewEtcdPutOp(etcd, "u", plan_.update_claims, kEtcdValueBytes);
    std::vector<std::unique_ptr<WriteOp>> ops;
    std::vector<LoadRow> rows;
    const std::string etcd_system = absl::StrCat("etcd, ", Members());
    rows.push_back(
        {{"write", etcd_system, absl::StrCat("Put, ", Load()), "ops/s", ""},
         put.get(),
         FullSpeed()});
    for (int count : plan_.replicas) {
      const Channels channels = Spread(count);
      const std::string replicas =
          absl::StrCat(count, count == 1 ? " replica, " : " replicas, ");
      ops.push_back(NewCreateClaimOp(channels, absl::StrCat("c", count, "-")));
      rows.push_back(
          {{"write", "claimd on etcd",
            absl::StrCat("CreateClaim, ", replicas, Load()), "ops/s", ""},
           ops.back().get(),
           FullSpeed()});
      ops.push_back(NewUpdateStatusOp(channels, ids_));
      rows.push_back(
          {{"write", "claimd on etcd",
            absl::StrCat("UpdateClaimStatus, ", replicas, Load()), "ops/s", ""},
           ops.back().get(),
           FullSpeed()});
    }
    const std::string steady = absl::StrCat(" at ", plan_.steady_rate, "/s");
    rows.push_back(
        {{"write", etcd_system, absl::StrCat("Put", steady), "ops/s", ""},
         put.get(),
         Steady()});
    ops.push_back(NewCreateClaimOp(one, "s-"));
    rows.push_back(
        {{"write", "claimd on etcd",
          absl::StrCat("CreateClaim", steady, ", 1 replica"), "ops/s", ""},
         ops.back().get(),
         Steady()});
    ops.push_back(NewUpdateStatusOp(one, ids_));
    rows.push_back({{"write", "claimd on etcd",
                     absl::StrCat("UpdateClaimStatus", steady, ", 1 replica"),
                     "ops/s", ""},
                    ops.back().get(),
                    Steady()});
    RunInterleaved(rows);
    return absl::OkStatus();
  }

  // GetClaim and ListClaims on one replica, next to a SQLite claimd holding
  // the same number of claims (durable, as in the main run).
  absl::Status ReadRows() {
    const std::string dir = plan_.work_dir + "/sqlite";
    std::filesystem::create_directories(dir);
    ASSIGN_OR_RETURN(
        std::unique_ptr<ClaimdServer> sqlite,
        ClaimdServer::Start(dir + "/data", dir, {"--durable=true"},
                            absl::Seconds(60), plan_.claimd_binary));
    const Channels sqlite_channels =
        MakeChannels(sqlite->address(), plan_.channels);
    ASSIGN_OR_RETURN(std::vector<std::string> sqlite_ids,
                     CreateClaims(sqlite_channels, "u", plan_.update_claims));
    const Channels etcd_channels = Spread(1);
    GetClaimOp etcd_get(etcd_channels, ids_);
    GetClaimOp sqlite_get(sqlite_channels, sqlite_ids);
    std::vector<LoadRow> rows;
    const std::string get = absl::StrCat("GetClaim, 1 replica, ", Load(), ", ",
                                         plan_.update_claims, " claims read");
    rows.push_back({{"read", "claimd on etcd", get, "reads/s", ""},
                    &etcd_get,
                    FullSpeed()});
    rows.push_back({{"read", "claimd on SQLite", get, "reads/s", ""},
                    &sqlite_get,
                    FullSpeed()});
    RunInterleaved(rows);

    const std::string list =
        absl::StrCat("ListClaims page_size ", plan_.list_page_size,
                     ", no filter, 1 replica, 4 readers");
    ResultRow etcd_list{"list", "claimd on etcd", list, "pages/s", ""};
    ResultRow sqlite_list{
        "list", "claimd on SQLite",
        absl::StrCat(list, ", ", plan_.update_claims, " claims stored"),
        "pages/s", ""};
    for (int trial = 0; trial < plan_.trials; ++trial) {
      for (auto [row, channels] : {std::pair{&etcd_list, &etcd_channels},
                                   std::pair{&sqlite_list, &sqlite_channels}}) {
        PrintProgress(absl::StrCat("cluster trial ", trial, ": ", row->system,
                                   ": ", row->setup));
        absl::StatusOr<ListRun> run =
            RunListLoad(*channels, "", plan_.list_page_size, 4, plan_.duration);
        if (!run.ok()) {
          row->trials.push_back(Failed(run.status()));
          continue;
        }
        Measurement m;
        m.rate = static_cast<double>(run->pages) /
                 absl::ToDoubleSeconds(run->elapsed);
        row->trials.push_back(m);
      }
    }
    etcd_list.setup += ", every claim the write rows created stored";
    report_.Add(std::move(etcd_list));
    report_.Add(std::move(sqlite_list));
    return absl::OkStatus();
  }

  // Sequential reads against one replica, and the etcd calls they caused
  // (summed over the members; another replica's background calls in the
  // window are counted too, so the figure is an upper bound).
  absl::Status RequestsPerRead() {
    auto stub = v1::ClaimService::NewStub(Spread(1)[0]);
    const int reads = plan_.read_count;
    ResultRow get_row{"etcd calls", "claimd on etcd",
                      absl::StrCat("GetClaim, sequential, ", reads, " reads"),
                      "", "etcd calls/read"};
    ResultRow list_row{
        "etcd calls", "claimd on etcd",
        absl::StrCat("ListClaims page_size ", plan_.list_page_size,
                     ", sequential, ", reads, " pages"),
        "", "etcd calls/read"};
    for (int trial = 0; trial < plan_.trials; ++trial) {
      for (const bool list : {false, true}) {
        ResultRow& row = list ? list_row : get_row;
        PrintProgress(absl::StrCat("cluster trial ", trial, ": ", row.setup));
        ASSIGN_OR_RETURN(const double range0, EtcdCalls(*cluster_, "Range"));
        ASSIGN_OR_RETURN(const double txn0, EtcdCalls(*cluster_, "Txn"));
        int failed = 0;
        std::string token;
        for (int i = 0; i < reads; ++i) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(10));
          grpc::Status status;
          if (list) {
            v1::ListClaimsRequest request;
            request.set_page_size(plan_.list_page_size);
            request.set_page_token(token);
            v1::ListClaimsResponse response;
            status = stub->ListClaims(&context, request, &response);
            token = response.next_page_token();
          } else {
            v1::GetClaimRequest request;
            request.set_name(absl::StrCat(
                "claims/", ids_[static_cast<size_t>(i) % ids_.size()]));
            v1::Claim claim;
            status = stub->GetClaim(&context, request, &claim);
          }
          if (!status.ok()) ++failed;
        }
        ASSIGN_OR_RETURN(const double range1, EtcdCalls(*cluster_, "Range"));
        ASSIGN_OR_RETURN(const double txn1, EtcdCalls(*cluster_, "Txn"));
        Measurement m;
        m.extra = (range1 - range0 + txn1 - txn0) / reads;
        m.note =
            absl::StrFormat("Range %.2f + Txn %.2f per read",
                            (range1 - range0) / reads, (txn1 - txn0) / reads);
        if (failed > 0) {
          absl::StrAppend(&m.note, "; ", failed, " reads failed");
          m.failed = true;
        }
        row.trials.push_back(m);
      }
    }
    report_.Add(std::move(get_row));
    report_.Add(std::move(list_row));
    return absl::OkStatus();
  }

  // A watcher on a replica of its own (killed -9 each trial) resumes on
  // replica 0 from its last revision + 1, as a client following the API's
  // contract does, while a writer writes through replica 0.
  absl::Status Failover() {
    ResultRow row{"failover", "claimd on etcd",
                  absl::StrCat("kill -9 of the watcher's replica, resume on "
                               "another; writes at ",
                               kFailoverRate, "/s through the other"),
                  "", "s kill to first event"};
    const Channels writer_channels = Spread(1);
    for (int trial = 0; trial < plan_.trials; ++trial) {
      PrintProgress(absl::StrCat("cluster trial ", trial, ": failover"));
      absl::StatusOr<Measurement> m = FailoverTrial(writer_channels, trial);
      row.trials.push_back(m.ok() ? *m : Failed(m.status()));
    }
    report_.Add(std::move(row));
    return absl::OkStatus();
  }

  absl::StatusOr<Measurement> FailoverTrial(const Channels& writer_channels,
                                            int trial) {
    ASSIGN_OR_RETURN(std::unique_ptr<ClaimdServer> victim,
                     StartReplica(absl::StrCat("victim", trial)));
    const Channels victim_channel = MakeChannels(victim->address(), 1);
    const Channels survivor_channel = MakeChannels(replicas_[0]->address(), 1);
    std::unique_ptr<WriteOp> op =
        NewCreateClaimOp(writer_channels, absl::StrCat("fo", trial, "-"));
    // Bounded: the writer stops by itself after 8 s whatever happens here
    // (the waits below give up within 0.5 + 5 + 5 s of the watch going live,
    // and a failover that slow misses the 2 s goal by far anyway).
    WriteLoadOptions load;
    load.in_flight = 8;
    load.rate = kFailoverRate;
    load.duration = absl::Seconds(8);
    load.max_ops = static_cast<int64_t>(kFailoverRate * 8);
    WriteLoadResult written;
    LatencyHistogram ignored;
    std::thread writer(
        [&] { written = RunWriteLoad(*op, load, ignored, nullptr); });
    struct Joiner {
      std::thread& thread;
      ~Joiner() { thread.join(); }
    } joiner{writer};

    DeliverySink before(nullptr);
    std::unique_ptr<WatchStream> watch =
        StartClaimdWatch(*victim_channel[0], 0, &before);
    // Wait (bounded) until the watcher is live and receiving.
    const absl::Time live_by = absl::Now() + absl::Seconds(5);
    while (watch->last_revision() == 0 && absl::Now() < live_by)
      absl::SleepFor(absl::Milliseconds(1));
    if (watch->last_revision() == 0)
      return absl::UnavailableError("the watcher on the victim got no events");
    absl::SleepFor(absl::Milliseconds(500));

    const absl::Time killed = absl::Now();
    kill(victim->pid(), SIGKILL);
    const absl::Time ended_by = killed + absl::Seconds(5);
    while (!watch->ended() && absl::Now() < ended_by)
      absl::SleepFor(absl::Milliseconds(1));
    if (!watch->ended())
      return absl::UnavailableError("the victim's watch did not end in 5 s");
    const absl::Time noticed = absl::Now();
    const int64_t resume = watch->last_revision() + 1;

    DeliverySink after(nullptr);
    std::unique_ptr<WatchStream> resumed =
        StartClaimdWatch(*survivor_channel[0], resume, &after);
    const absl::Time first_by = noticed + absl::Seconds(5);
    while (after.delivered() == 0 && absl::Now() < first_by)
      absl::SleepFor(absl::Milliseconds(1));
    if (after.delivered() == 0)
      return absl::UnavailableError("no event from the other replica in 5 s");
    const absl::Time first = after.last_receipt();
    resumed->Cancel();
    watch.reset();
    victim.reset();  // reaps the killed process

    Measurement m;
    m.extra = absl::ToDoubleSeconds(first - killed);
    m.note = absl::StrFormat(
        "stream ended %.0f ms after the kill, first event %.0f ms after "
        "resuming at revision %d",
        absl::ToDoubleMilliseconds(noticed - killed),
        absl::ToDoubleMilliseconds(first - noticed), resume);
    return m;
  }

  // The etcd leader killed -9 a third of the way into a steady write load
  // through replica 0; the killed member is restarted afterwards.
  absl::Status LeaderKill() {
    ResultRow row{
        "leader kill", "claimd on etcd",
        absl::StrCat(
            "kill -9 of the etcd leader (trial t: member t, led there by "
            "move-leader), UpdateClaimStatus at ",
            plan_.steady_rate, "/s through 1 replica"),
        "ops/s", "s longest write pause"};
    const Channels channels = Spread(1);
    std::unique_ptr<WriteOp> update = NewUpdateStatusOp(channels, ids_);
    int64_t sequence = 1'000'000;
    for (int trial = 0; trial < plan_.trials; ++trial) {
      PrintProgress(absl::StrCat("cluster trial ", trial, ": leader kill"));
      // Trial t kills member t % size (moving the leadership there first),
      // so three trials cover every member.
      RETURN_IF_ERROR(MoveLeader(*cluster_, plan_.work_dir + "/etcd",
                                 trial % cluster_->size()));
      absl::StatusOr<int> leader = cluster_->Leader();
      if (!leader.ok()) return leader.status();
      AckTimesOp timed(*update);
      WriteLoadOptions load = Steady();
      // Long enough that a pause of twice the goal still ends inside it.
      const absl::Duration length =
          std::max(absl::Seconds(9), 3 * plan_.duration);
      load.duration = length;
      load.max_ops = static_cast<int64_t>(plan_.steady_rate *
                                          absl::ToDoubleSeconds(length));
      load.first_sequence = sequence;
      WriteLoadResult result;
      LatencyHistogram latency;
      const absl::Time started = absl::Now();
      std::thread writer(
          [&] { result = RunWriteLoad(timed, load, latency, nullptr); });
      absl::SleepFor(length / 3);
      const absl::Time killed = absl::Now();
      cluster_->Kill(*leader);
      writer.join();
      sequence += result.ok + result.failed;
      const auto [gap, began] = timed.LongestGap(
          std::min(started + length, std::max(killed, absl::Now())));
      Measurement m = MeasureWrites(result, latency);
      if (result.failed > 0)
        m.note = absl::StrCat("trial ", trial, ": ", m.note);
      // Writes that fail while etcd elects a leader are part of the figure
      // (the note counts them), not a failure of the run.
      m.failed = false;
      m.extra = absl::ToDoubleSeconds(gap);
      absl::StrAppend(
          &m.note, m.note.empty() ? "" : "; ",
          absl::StrFormat("trial %d: leader n%d killed, pause %.2f s from "
                          "%.0f ms after the kill",
                          trial, *leader, absl::ToDoubleSeconds(gap),
                          absl::ToDoubleMilliseconds(began - killed)));
      row.trials.push_back(m);
      RETURN_IF_ERROR(cluster_->Restart(*leader));
      RETURN_IF_ERROR(cluster_->WaitHealthy(absl::Seconds(60)));
    }
    report_.Add(std::move(row));
    return absl::OkStatus();
  }

  const BenchPlan& plan_;
  BenchReport& report_;
  std::unique_ptr<testing::EtcdCluster> cluster_;
  std::vector<std::unique_ptr<ClaimdServer>> replicas_;
  std::vector<std::string> ids_;  // the claims the update rows update
};

}  // namespace

absl::Status RunClusterRows(const BenchPlan& plan, BenchReport& report) {
  return ClusterRunner(plan, report).Run();
}

}  // namespace claimd::bench
