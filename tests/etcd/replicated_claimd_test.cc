// Real claimd replicas (the binary, --store=etcd) over the shared 3-member etcd
// cluster, with writers and watchers on every replica, judged by the history
// checker of tests/reliability: every acknowledged write is in the log exactly
// once, revisions are 1..N without gaps, and every watcher saw exactly the
// log's sequence. Faults: kill -9 of a replica (its writer and watcher move to
// another replica), kill -9 of the etcd leader, and a replica that hangs
// (SIGSTOP) under `claimctl watch`, which must move to another replica; and
// etcd without a quorum, which every replica's health must report. And the
// channel configuration docs/DESIGN.md gives services ("Failover for
// clients"), read from the document, must carry writers through a replica's
// kill -9 without a retry of their own.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/process.h"
#include "tests/etcd/etcd_test_environment.h"
#include "tests/reliability/checker.h"
#include "tests/reliability/grpc_history.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/health_check.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

using reliability::GrpcWorkload;
using reliability::HistoryLog;
using reliability::WatchFollower;

class ReplicatedClaimdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int r = 0; r < 3; ++r) {
      replicas_.push_back(StartReplica(absl::StrCat("r", r),
                                       SharedEtcdCluster().EndpointList()));
      ASSERT_NE(replicas_.back(), nullptr);
    }
  }

  // A replica of this test's store, its files under dir_/`name`, talking to
  // the etcd members `endpoints`; null (with the test failed) if it did not
  // start.
  std::unique_ptr<e2e::ClaimdHarness> StartReplica(
      const std::string& name, const std::string& endpoints) {
    auto replica = std::make_unique<e2e::ClaimdHarness>(
        dir_.File(absl::StrCat("unused-data-", name)), dir_.File(name),
        std::vector<std::string>{
            "--store=etcd", absl::StrCat("--etcd_endpoints=", endpoints),
            absl::StrCat("--etcd_prefix=", dir_.path(), "/"),
            "--etcd_request_timeout=3s", "--progress_interval=300ms",
            // Which replica holds a watch: claimd_watchers_active.
            "--metrics_listen=127.0.0.1:0",
            // claimctl below pings every second.
            "--min_client_ping_interval=500ms"});
    EXPECT_EQ(mkdir(dir_.File(name).c_str(), 0700), 0);
    const absl::Status started = replica->Start();
    EXPECT_TRUE(started.ok()) << started << replica->Stderr();
    return started.ok() ? std::move(replica) : nullptr;
  }

  // Every replica's address, replica `first`'s first: "ipv4:A,B,C".
  std::string ReplicasTarget(int first) {
    std::vector<std::string> addresses;
    addresses.reserve(3);
    for (int i = 0; i < 3; ++i)
      addresses.push_back(replicas_[(first + i) % 3]->address());
    return absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
  }

  // claimctl's --server naming every replica, as a user of a cluster gives it.
  std::string ClaimctlServerFlag() const {
    std::vector<std::string> addresses;
    addresses.reserve(replicas_.size());
    for (const auto& replica : replicas_)
      addresses.push_back(replica->address());
    return absl::StrCat("--server=", absl::StrJoin(addresses, ","));
  }

  // A channel to replica `first` that fails over to the others in order
  // (gRPC's pick_first over several addresses).
  std::shared_ptr<grpc::Channel> FailoverChannel(int first) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    return grpc::CreateCustomChannel(ReplicasTarget(first),
                                     grpc::InsecureChannelCredentials(), args);
  }

  // Runs a writer per replica for `steps` requests each while `fault` runs
  // (once, after `fault_after` requests in all), then checks the history.
  // Writers and watchers reach the replicas through client_channel_; the
  // writers' requests end up in writes_.
  void RunAndCheck(int steps, int fault_after,
                   const std::function<void()>& fault) {
    std::vector<std::unique_ptr<WatchFollower>> watchers;
    watchers.reserve(3);
    for (int r = 0; r < 3; ++r) {
      watchers.push_back(std::make_unique<WatchFollower>(
          absl::StrCat("watcher-", r), client_channel_(r), 1));
    }
    HistoryLog history;
    std::atomic<int> done{0};
    std::vector<std::thread> writers;
    writers.reserve(3);
    for (int r = 0; r < 3; ++r) {
      writers.emplace_back([&, r] {
        GrpcWorkload workload(client_channel_(r), history, absl::StrCat("w", r),
                              /*shared_claims=*/3);
        for (int step = 0; step < steps; ++step) {
          workload.Step(step, writer_retries_);
          done.fetch_add(1);
        }
      });
    }
    if (fault) {
      for (int i = 0; i < 3000 && done.load() < fault_after; ++i)
        absl::SleepFor(absl::Milliseconds(10));
      // The fault must land under load, not after it.
      EXPECT_LT(done.load(), static_cast<int>(writers.size()) * steps)
          << "the writers finished before the fault";
      fault();
    }
    for (std::thread& writer : writers) writer.join();
    writes_ = history.writes();

    size_t reader = 0;
    while (reader < replicas_.size() && !replicas_[reader]->running()) ++reader;
    ASSERT_LT(reader, replicas_.size()) << "no replica is running";
    auto stub = claims::v1::ClaimService::NewStub(
        FailoverChannel(static_cast<int>(reader)));
    absl::StatusOr<reliability::RecoveredLog> log =
        reliability::ReadGrpcLog(*stub);
    ASSERT_TRUE(log.ok()) << log.status();
    std::vector<reliability::WatchStream> streams;
    for (auto& watcher : watchers) {
      EXPECT_TRUE(watcher->WaitForRevision(log->revision, absl::Seconds(30)))
          << "a watcher did not reach revision " << log->revision;
      watcher->Stop();
      streams.push_back(watcher->stream());
    }
    reliability::CheckResult check =
        reliability::CheckHistory(history.writes(), streams, *log);
    EXPECT_TRUE(check.ok()) << check.Summary();
    EXPECT_EQ(check.writes_lost, 0);
    EXPECT_GT(check.writes_acknowledged, 3 * steps / 2);
    // Dense: revisions 1..N, each exactly once.
    ASSERT_EQ(static_cast<int64_t>(log->events.size()), log->revision);
    for (size_t i = 0; i < log->events.size(); ++i)
      ASSERT_EQ(log->events[i].revision, static_cast<int64_t>(i) + 1);
    std::cerr << "history: " << check.Summary() << std::endl;
  }

  TempDir dir_;
  std::vector<std::unique_ptr<e2e::ClaimdHarness>> replicas_;
  // How RunAndCheck's clients reach the replicas (`first`: the replica listed
  // first), and how often a writer itself sends again a request whose outcome
  // it does not know.
  std::function<std::shared_ptr<grpc::Channel>(int first)> client_channel_ =
      [this](int first) { return FailoverChannel(first); };
  int writer_retries_ = 20;
  std::vector<reliability::WriteOp> writes_;
};

// The service config in docs/DESIGN.md's C++ example (the raw string passed to
// SetServiceConfigJSON), or "" when the document no longer has one.
std::string DocumentedServiceConfig() {
  const std::string design =
      e2e::ReadFile(absl::StrCat(CLAIMD_SOURCE_DIR, "/docs/DESIGN.md"));
  const std::string open = "SetServiceConfigJSON(R\"(";
  const size_t start = design.find(open);
  if (start == std::string::npos) return "";
  const size_t end = design.find(")\")", start);
  if (end == std::string::npos) return "";
  return design.substr(start + open.size(), end - start - open.size());
}

TEST_F(ReplicatedClaimdTest, WritersAndWatchersOnEveryReplicaSeeOneSequence) {
  RunAndCheck(/*steps=*/60, 0, nullptr);
}

TEST_F(ReplicatedClaimdTest, KillingAReplicaUnderLoadLosesNothing) {
  RunAndCheck(/*steps=*/60, /*fault_after=*/40,
              [&] { replicas_[0]->KillNow(); });
}

TEST_F(ReplicatedClaimdTest, KillingTheEtcdLeaderUnderLoadLosesNothing) {
  EtcdCluster& cluster = SharedEtcdCluster();
  int killed = -1;
  RunAndCheck(/*steps=*/60, /*fault_after=*/40, [&] {
    absl::StatusOr<int> leader = cluster.Leader();
    ASSERT_TRUE(leader.ok()) << leader.status();
    killed = *leader;
    cluster.Kill(killed);
  });
  ASSERT_GE(killed, 0);
  ASSERT_TRUE(cluster.Restart(killed).ok());
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
}

// The whole etcd cluster loses power under load: kill -9 of every member,
// then all restart on their data directories. Writes fail meanwhile (never a
// false OK); once etcd is back every replica's watch resumes and writes go
// on. No acknowledged write is lost (etcd acknowledges a commit once a
// majority fsynced it), and every watcher sees one dense sequence.
TEST_F(ReplicatedClaimdTest, KillingEveryEtcdMemberUnderLoadLosesNothing) {
  EtcdCluster& cluster = SharedEtcdCluster();
  RunAndCheck(/*steps=*/60, /*fault_after=*/40, [&] {
    for (int member = 0; member < cluster.size(); ++member)
      cluster.Kill(member);
    absl::SleepFor(absl::Seconds(1));
    for (int member = 0; member < cluster.size(); ++member)
      ASSERT_OK(cluster.Restart(member));
    ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  });
}

// docs/DESIGN.md tells services to give their channel every replica's address
// and gRPC's own round_robin and retry policy, not retries of their own. That
// config, as the document gives it, and writers that never retry: a replica
// killed under load must cost them nothing. Every request gets a definite
// answer (gRPC sends a request that failed UNAVAILABLE again, to a live
// replica; its request_id makes a repeat of one that had committed a replay),
// and the history checker finds nothing lost or doubled.
TEST_F(ReplicatedClaimdTest, TheDocumentedClientConfigRidesOutAReplicaKill) {
  const std::string config = DocumentedServiceConfig();
  ASSERT_NE(config.find("retryPolicy"), std::string::npos)
      << "docs/DESIGN.md has no C++ service config with a retry policy";
  client_channel_ = [&](int first) {
    grpc::ChannelArguments args;
    args.SetServiceConfigJSON(config);
    return grpc::CreateCustomChannel(ReplicasTarget(first),
                                     grpc::InsecureChannelCredentials(), args);
  };
  writer_retries_ = 0;
  constexpr int kSteps = 60;
  RunAndCheck(kSteps, /*fault_after=*/40, [&] { replicas_[0]->KillNow(); });
  // Each request recorded once (a writer that could not read a claim before
  // its compare-and-set records nothing), and none left unknown.
  EXPECT_EQ(writes_.size(), size_t{3} * kSteps);
  for (const reliability::WriteOp& write : writes_) {
    EXPECT_NE(write.outcome, reliability::Outcome::kUnknown)
        << write.tag << ": " << write.error;
  }
}

// How many lines of `text` name `claim`.
int LinesNaming(const std::string& text, const std::string& claim) {
  int count = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, claim)) ++count;
  }
  return count;
}

// Creates claims/`id` through `stub`, waiting at most `timeout` (longer than
// the shared helper's: a member hangs in these tests).
grpc::Status CreateWithin(claims::v1::ClaimService::Stub& stub,
                          const std::string& id, absl::Duration timeout) {
  claims::v1::CreateClaimRequest request;
  request.set_claim_id(id);
  request.mutable_claim()->set_statement(
      "said while a member or replica hangs");
  claims::v1::Claim reply;
  return stub.CreateClaim(NewContext(timeout).get(), request, &reply);
}

// Which replica holds claimctl's watch (round_robin may have put it on any):
// the one whose claimd_watchers_active is 1; -1 if none or several.
int ReplicaWatchedBy(
    const std::vector<std::unique_ptr<e2e::ClaimdHarness>>& replicas) {
  int watched = -1;
  for (size_t r = 0; r < replicas.size(); ++r) {
    absl::StatusOr<e2e::Scrape> scrape =
        e2e::ScrapeMetrics(e2e::MetricsPort(replicas[r]->Stderr()));
    if (!scrape.ok()) return -1;
    if (scrape->Value("claimd_watchers_active") == 1) {
      if (watched >= 0) return -1;
      watched = static_cast<int>(r);
    }
  }
  return watched;
}

// A replica that hangs keeps its connections open and answers nothing, so only
// keepalive can tell a watcher to leave it. `claimctl watch` over all three
// addresses; the replica it is on stops (SIGSTOP); a claim created through
// another replica must still reach the watch, once.
TEST_F(ReplicatedClaimdTest, ClaimctlWatchLeavesAReplicaThatHangs) {
  absl::StatusOr<std::unique_ptr<e2e::Process>> watch = e2e::Process::Start(
      e2e::ClaimctlBinary(), {ClaimctlServerFlag(), "--keepalive=1s", "watch"},
      dir_.File("watch.out"), dir_.File("watch.err"));
  ASSERT_TRUE(watch.ok()) << watch.status();
  auto writer = claims::v1::ClaimService::NewStub(FailoverChannel(1));
  const auto create = [&](const std::string& id) {
    return CreateWithin(*writer, id, absl::Seconds(10));
  };
  const auto wait_for = [&](const std::string& claim, absl::Duration limit) {
    const absl::Time end = absl::Now() + limit;
    while (absl::Now() < end) {
      if (LinesNaming(e2e::ReadFile(dir_.File("watch.out")), claim) > 0)
        return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  };
  // The watch is live once it shows a claim created after it started; keep
  // creating until one shows.
  bool live = false;
  for (int i = 0; i < 20 && !live; ++i) {
    ASSERT_TRUE(create(absl::StrCat("before-", i)).ok());
    live = wait_for(absl::StrCat("claims/before-", i), absl::Seconds(1));
  }
  ASSERT_TRUE(live) << e2e::ReadFile(dir_.File("watch.err"));

  const int hung = ReplicaWatchedBy(replicas_);
  ASSERT_GE(hung, 0) << "no single replica holds the watch";
  ASSERT_EQ(kill(replicas_[hung]->pid(), SIGSTOP), 0);
  const absl::Time stopped = absl::Now();
  writer = claims::v1::ClaimService::NewStub(FailoverChannel((hung + 1) % 3));
  ASSERT_TRUE(create("after-the-hang").ok());
  const bool moved = wait_for("claims/after-the-hang", absl::Seconds(60));
  const absl::Duration took = absl::Now() - stopped;
  kill(replicas_[hung]->pid(), SIGCONT);
  const std::string out = e2e::ReadFile(dir_.File("watch.out"));
  ASSERT_TRUE(moved) << "stdout:\n"
                     << out << "stderr:\n"
                     << e2e::ReadFile(dir_.File("watch.err"));
  std::cerr << "the watch moved off the hung replica in " << took << std::endl;
  EXPECT_EQ(LinesNaming(out, "claims/after-the-hang"), 1) << out;
  for (int i = 0; i < 20; ++i) {
    const std::string claim = absl::StrCat("claims/before-", i, " ");
    EXPECT_LE(LinesNaming(out, claim), 1) << out;
  }
  EXPECT_TRUE((*watch)->Signal(SIGINT));
  std::optional<e2e::ExitStatus> exit = (*watch)->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

// How many watches replica `replica` holds (claimd_watchers_active); -1 if
// its metrics cannot be read.
int WatchersOn(e2e::ClaimdHarness& replica) {
  absl::StatusOr<e2e::Scrape> scrape =
      e2e::ScrapeMetrics(e2e::MetricsPort(replica.Stderr()));
  return scrape.ok() ? static_cast<int>(scrape->Value("claimd_watchers_active"))
                     : -1;
}

// A replica cut off from etcd (the one member it talks to hangs) while the
// other replicas keep their quorum. It answers, so keepalive keeps its
// watches; but it will deliver nothing, so once it has been NOT_SERVING for 3
// s it ends them, and `claimctl watch` given another replica too resumes
// there: the claim created meanwhile through another replica reaches it,
// once. (Before, the watch stayed on the cut-off replica, silent.)
TEST_F(ReplicatedClaimdTest, ClaimctlWatchLeavesAReplicaCutOffFromEtcd) {
  EtcdCluster& cluster = SharedEtcdCluster();
  std::unique_ptr<e2e::ClaimdHarness> cut =
      StartReplica("cut", cluster.endpoints()[0]);
  ASSERT_NE(cut, nullptr);
  auto writer = claims::v1::ClaimService::NewStub(FailoverChannel(1));
  const auto create = [&](const std::string& id) {
    return CreateWithin(*writer, id, absl::Seconds(30));
  };
  const auto shown = [&](const std::string& claim, absl::Duration limit) {
    const absl::Time end = absl::Now() + limit;
    do {
      if (LinesNaming(e2e::ReadFile(dir_.File("watch.out")), claim) > 0)
        return true;
      absl::SleepFor(absl::Milliseconds(50));
    } while (absl::Now() < end);
    return false;
  };
  // round_robin puts the watch on either address: start it until it is on
  // the replica about to be cut off.
  std::unique_ptr<e2e::Process> watch;
  int created = 0;
  for (int attempt = 0; attempt < 20 && watch == nullptr; ++attempt) {
    absl::StatusOr<std::unique_ptr<e2e::Process>> started =
        e2e::Process::Start(e2e::ClaimctlBinary(),
                            {absl::StrCat("--server=", cut->address(), ",",
                                          replicas_[1]->address()),
                             "watch"},
                            dir_.File("watch.out"), dir_.File("watch.err"));
    ASSERT_TRUE(started.ok()) << started.status();
    bool live = false;
    for (int i = 0; i < 20 && !live; ++i) {
      const std::string id = absl::StrCat("before-", created++);
      ASSERT_TRUE(create(id).ok());
      live = shown(absl::StrCat("claims/", id), absl::Seconds(1));
    }
    ASSERT_TRUE(live) << e2e::ReadFile(dir_.File("watch.err"));
    if (WatchersOn(*cut) == 1) {
      watch = *std::move(started);
    } else {
      (*started)->Kill();
    }
  }
  ASSERT_NE(watch, nullptr) << "the watch never went to the cut-off replica";

  cluster.Stop(0);
  const absl::Time cut_at = absl::Now();
  const grpc::Status during = create("during-the-cut");
  const bool moved = shown("claims/during-the-cut", absl::Seconds(60));
  const absl::Duration took = absl::Now() - cut_at;
  cluster.Continue(0);
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  ASSERT_TRUE(during.ok()) << during.error_message();
  const std::string out = e2e::ReadFile(dir_.File("watch.out"));
  const std::string err = e2e::ReadFile(dir_.File("watch.err"));
  ASSERT_TRUE(moved) << "stdout:\n" << out << "stderr:\n" << err;
  std::cerr << "the watch moved off the cut-off replica in " << took
            << std::endl;
  EXPECT_THAT(err, ::testing::HasSubstr("has not reached its store"));
  EXPECT_EQ(LinesNaming(out, "claims/during-the-cut"), 1) << out;
  for (int i = 0; i < created; ++i) {
    EXPECT_LE(LinesNaming(out, absl::StrCat("claims/before-", i, " ")), 1)
        << out;
  }
  EXPECT_TRUE(watch->Signal(SIGINT));
  std::optional<e2e::ExitStatus> exit = watch->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

// `claimctl top` (printing lines: stdout is not a terminal) over all three
// replicas, as `watch` above: kill -9 of the replica it is on, and the claim
// created meanwhile through another replica shows, once; nothing it showed
// before is shown again (no second snapshot).
TEST_F(ReplicatedClaimdTest, ClaimctlTopMovesOnWhenItsReplicaDies) {
  auto writer = claims::v1::ClaimService::NewStub(FailoverChannel(1));
  ASSERT_TRUE(CreateWithin(*writer, "before-top", absl::Seconds(10)).ok());
  absl::StatusOr<std::unique_ptr<e2e::Process>> top =
      e2e::Process::Start(e2e::ClaimctlBinary(), {ClaimctlServerFlag(), "top"},
                          dir_.File("top.out"), dir_.File("top.err"));
  ASSERT_TRUE(top.ok()) << top.status();
  const auto shown = [&](const std::string& claim, absl::Duration limit) {
    const absl::Time end = absl::Now() + limit;
    do {
      if (LinesNaming((*top)->ReadStdout(), claim) > 0) return true;
      absl::SleepFor(absl::Milliseconds(50));
    } while (absl::Now() < end);
    return false;
  };
  ASSERT_TRUE(shown("claims/before-top", absl::Seconds(30)))
      << (*top)->ReadStderr();
  // Live: a claim created after the snapshot shows too.
  ASSERT_TRUE(CreateWithin(*writer, "live-in-top", absl::Seconds(10)).ok());
  ASSERT_TRUE(shown("claims/live-in-top", absl::Seconds(30)))
      << (*top)->ReadStderr();
  const int holder = ReplicaWatchedBy(replicas_);
  ASSERT_GE(holder, 0) << "no single replica holds top's watch";
  replicas_[holder]->KillNow();
  writer = claims::v1::ClaimService::NewStub(FailoverChannel((holder + 1) % 3));
  ASSERT_TRUE(CreateWithin(*writer, "after-the-kill", absl::Seconds(10)).ok());
  ASSERT_TRUE(shown("claims/after-the-kill", absl::Seconds(60)))
      << "stdout:\n"
      << (*top)->ReadStdout() << "stderr:\n"
      << (*top)->ReadStderr();
  const std::string out = (*top)->ReadStdout();
  EXPECT_EQ(LinesNaming(out, "claims/after-the-kill"), 1) << out;
  EXPECT_EQ(LinesNaming(out, "claims/before-top"), 1) << out;
  EXPECT_EQ(LinesNaming(out, "claims/live-in-top"), 1) << out;
  ASSERT_TRUE((*top)->Signal(SIGINT));
  std::optional<e2e::ExitStatus> exit = (*top)->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

// claimctl over all three addresses while one replica hangs (SIGSTOP: it
// accepts connections and answers nothing). Its channel's round_robin connects
// to every address at once and sends each call to one that answered, so a
// command finishes within a --timeout shorter than what a hung address costs
// a channel that tries the addresses in order (pick_first waits out its 5 s
// connect timeout first). Each replica hangs in turn, the first listed too.
TEST_F(ReplicatedClaimdTest, ClaimctlCommandsGoPastAHungReplica) {
  const std::string server = ClaimctlServerFlag();
  const e2e::CommandResult created =
      e2e::RunCommand(e2e::ClaimctlBinary(),
                      {server, "create", "Said while a replica hangs", "--id",
                       "hang-proof", "--source", "wire"},
                      dir_.path());
  ASSERT_TRUE(created.exit.Success()) << created.Describe();
  for (size_t r = 0; r < replicas_.size(); ++r) {
    ASSERT_EQ(kill(replicas_[r]->pid(), SIGSTOP), 0);
    const e2e::CommandResult got = e2e::RunCommand(
        e2e::ClaimctlBinary(), {server, "--timeout=3s", "get", "hang-proof"},
        dir_.path());
    const e2e::CommandResult confirmed =
        e2e::RunCommand(e2e::ClaimctlBinary(),
                        {server, "--timeout=3s", "confirm", "hang-proof",
                         "--source", absl::StrCat("desk-", r)},
                        dir_.path());
    kill(replicas_[r]->pid(), SIGCONT);
    EXPECT_TRUE(got.exit.Success())
        << "replica " << r << " hung: " << got.Describe();
    EXPECT_TRUE(absl::StrContains(got.out, "hang-proof")) << got.Describe();
    EXPECT_TRUE(confirmed.exit.Success())
        << "replica " << r << " hung: " << confirmed.Describe();
  }
}

// SIGSTOP of two of the three etcd members: every replica must say
// NOT_SERVING through grpc.health.v1 (the server's and the claim service's
// status, as a Kubernetes readiness probe asks) and refuse writes with
// UNAVAILABLE, never a false OK; after SIGCONT every replica says SERVING
// again and writes commit. How long each took is printed, not judged: the
// replicas' probe gives up after 2 s, so about 3 s on a quiet machine.
TEST_F(ReplicatedClaimdTest,
       ZWithoutAQuorumEveryReplicaIsNotServingThenServing) {
  using grpc::health::v1::HealthCheckResponse;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (const auto& replica : replicas_) {
    channels.push_back(replica->NewChannel());
    ASSERT_TRUE(WaitForHealth(channels.back(), HealthCheckResponse::SERVING,
                              absl::Seconds(30)));
  }
  EtcdCluster& cluster = SharedEtcdCluster();
  const absl::Time stopped = absl::Now();
  cluster.Stop(0);
  cluster.Stop(1);
  for (size_t r = 0; r < channels.size(); ++r) {
    EXPECT_TRUE(WaitForHealth(channels[r], HealthCheckResponse::NOT_SERVING,
                              absl::Seconds(60)))
        << "replica " << r << " still serving without an etcd quorum";
    std::cerr << "replica " << r << " NOT_SERVING after "
              << absl::Now() - stopped << "\n";
  }
  auto stub = claims::v1::ClaimService::NewStub(channels[2]);
  claims::v1::CreateClaimRequest create;
  create.set_claim_id("during-the-outage");
  create.mutable_claim()->set_statement("written while etcd had no quorum");
  claims::v1::Claim created;
  // Longer than CreateClaim's usual 5 s: claimd gives up after twice its
  // --etcd_request_timeout (3 s here), and its answer is what is judged.
  const grpc::Status refused =
      stub->CreateClaim(NewContext(absl::Seconds(30)).get(), create, &created);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused.error_message();
  // With the quorum gone for longer than an election takes (5 s), a write is
  // refused at once as not applied: a caller whose deadline (3 s) is shorter
  // than claimd's two request timeouts (6 s) learns why, rather than seeing
  // DEADLINE_EXCEEDED and an unknown outcome.
  absl::SleepFor(stopped + absl::Seconds(6) - absl::Now());
  create.set_claim_id("refused-during-the-outage");
  const grpc::Status refused_at_once =
      stub->CreateClaim(NewContext(absl::Seconds(3)).get(), create, &created);
  EXPECT_EQ(refused_at_once.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused_at_once.error_message();
  EXPECT_THAT(refused_at_once.error_message(),
              ::testing::HasSubstr("not applied"));

  cluster.Continue(0);
  cluster.Continue(1);
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  const absl::Time resumed = absl::Now();
  for (size_t r = 0; r < channels.size(); ++r) {
    EXPECT_TRUE(WaitForHealth(channels[r], HealthCheckResponse::SERVING,
                              absl::Seconds(60)))
        << "replica " << r << " not serving after etcd recovered";
    std::cerr << "replica " << r << " SERVING after " << absl::Now() - resumed
              << "\n";
  }
  EXPECT_OK(
      CreateClaim(*stub, "after-the-outage", "written after etcd recovered"));
  claims::v1::GetClaimRequest get;
  get.set_name("claims/refused-during-the-outage");
  claims::v1::Claim found;
  EXPECT_EQ(stub->GetClaim(NewContext(absl::Seconds(10)).get(), get, &found)
                .error_code(),
            grpc::StatusCode::NOT_FOUND)
      << "a write refused as not applied was applied";
}

}  // namespace
}  // namespace claimd::testing
