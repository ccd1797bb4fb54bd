// Real claimd replicas (the binary, --store=etcd) over the shared 3-member etcd
// cluster, with writers and watchers on every replica, judged by the history
// checker of tests/reliability: every acknowledged write is in the log exactly
// once, revisions are 1..N without gaps, and every watcher saw exactly the
// log's sequence. Faults: kill -9 of a replica (its writer and watcher move to
// another replica) and kill -9 of the etcd leader.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/etcd/etcd_test_environment.h"
#include "tests/reliability/checker.h"
#include "tests/reliability/grpc_history.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

using reliability::GrpcWorkload;
using reliability::HistoryLog;
using reliability::WatchFollower;

class ReplicatedClaimdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string prefix = absl::StrCat(dir_.path(), "/");
    for (int r = 0; r < 3; ++r) {
      replicas_.push_back(std::make_unique<e2e::ClaimdHarness>(
          dir_.File(absl::StrCat("unused-data-", r)),
          dir_.File(absl::StrCat("r", r)),
          std::vector<std::string>{
              "--store=etcd",
              absl::StrCat("--etcd_endpoints=",
                           SharedEtcdCluster().EndpointList()),
              absl::StrCat("--etcd_prefix=", prefix),
              "--etcd_request_timeout=3s", "--progress_interval=300ms"}));
      ASSERT_EQ(mkdir(dir_.File(absl::StrCat("r", r)).c_str(), 0700), 0);
      ASSERT_TRUE(replicas_.back()->Start().ok()) << replicas_.back()->Stderr();
    }
  }

  // A channel to replica `first` that fails over to the others in order
  // (gRPC's pick_first over several addresses).
  std::shared_ptr<grpc::Channel> FailoverChannel(int first) {
    std::vector<std::string> addresses;
    addresses.reserve(3);
    for (int i = 0; i < 3; ++i)
      addresses.push_back(replicas_[(first + i) % 3]->address());
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    return grpc::CreateCustomChannel(
        absl::StrCat("ipv4:", absl::StrJoin(addresses, ",")),
        grpc::InsecureChannelCredentials(), args);
  }

  // Runs a writer per replica for `steps` requests each while `fault` runs
  // (once, after `fault_after` requests in all), then checks the history.
  void RunAndCheck(int steps, int fault_after,
                   const std::function<void()>& fault) {
    std::vector<std::unique_ptr<WatchFollower>> watchers;
    watchers.reserve(3);
    for (int r = 0; r < 3; ++r) {
      watchers.push_back(std::make_unique<WatchFollower>(
          absl::StrCat("watcher-", r), FailoverChannel(r), 1));
    }
    HistoryLog history;
    std::atomic<int> done{0};
    std::vector<std::thread> writers;
    writers.reserve(3);
    for (int r = 0; r < 3; ++r) {
      writers.emplace_back([&, r] {
        GrpcWorkload workload(FailoverChannel(r), history, absl::StrCat("w", r),
                              /*shared_claims=*/3);
        for (int step = 0; step < steps; ++step) {
          workload.Step(step, /*retries=*/20);
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
};

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
  ASSERT_TRUE(cluster.WaitHealthy(absl::Seconds(60)).ok());
}

}  // namespace
}  // namespace claimd::testing
