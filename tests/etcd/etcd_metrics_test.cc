// What EtcdClaimStore reports to etcd_store::EtcdMetrics, against a real
// 3-member etcd cluster: two stores on one prefix are two replicas, and their
// racing writes show up as lost races beside the committed Txns; every commit
// of a replica is followed by one watch lag; reads start with a linearizable
// read; compaction passes are counted where they ran. And the claimd binary
// run with --store=etcd exports the claimd_etcd_* series, not SQLite's.
#include "service/etcd_store/etcd_metrics.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/http_get.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/etcd/etcd_test_environment.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

using TxnResult = etcd_store::EtcdMetrics::TxnResult;

// Records every hook call; reads take the lock, so a test reads a consistent
// view while the store's threads keep reporting.
class RecordingEtcdMetrics : public etcd_store::EtcdMetrics {
 public:
  struct Counts {
    int committed = 0;
    int lost_races = 0;
    int failed = 0;
    int watch_lags = 0;
    int reads = 0;
    int failed_reads = 0;
    int64_t applied = 0;
    int compaction_passes = 0;
    int64_t compacted_keys = 0;
    int etcd_compactions = 0;
  };

  void OnTxn(TxnResult result, absl::Duration duration) override {
    absl::MutexLock lock(&mutex_);
    EXPECT_GE(duration, absl::ZeroDuration());
    switch (result) {
      case TxnResult::kCommitted:
        ++counts_.committed;
        break;
      case TxnResult::kLostRace:
        ++counts_.lost_races;
        break;
      case TxnResult::kFailed:
        ++counts_.failed;
        break;
    }
  }
  void OnWatchLag(absl::Duration lag) override {
    absl::MutexLock lock(&mutex_);
    EXPECT_GE(lag, absl::ZeroDuration());
    ++counts_.watch_lags;
  }
  void OnLinearizableRead(absl::Duration duration, bool ok) override {
    absl::MutexLock lock(&mutex_);
    EXPECT_GE(duration, absl::ZeroDuration());
    ++(ok ? counts_.reads : counts_.failed_reads);
  }
  void OnWatchApplied(int64_t revision) override {
    absl::MutexLock lock(&mutex_);
    // The watch thread applies revisions in order.
    EXPECT_GE(revision, counts_.applied);
    counts_.applied = revision;
  }
  void OnCompactionPass() override {
    absl::MutexLock lock(&mutex_);
    ++counts_.compaction_passes;
  }
  void OnCompactedKeys(int64_t keys) override {
    absl::MutexLock lock(&mutex_);
    counts_.compacted_keys += keys;
  }
  void OnEtcdCompaction() override {
    absl::MutexLock lock(&mutex_);
    ++counts_.etcd_compactions;
  }

  Counts counts() {
    absl::MutexLock lock(&mutex_);
    return counts_;
  }

 private:
  absl::Mutex mutex_;
  Counts counts_ ABSL_GUARDED_BY(mutex_);
};

class EtcdMetricsTest : public ::testing::Test {
 protected:
  std::unique_ptr<etcd_store::EtcdClaimStore> OpenReplica(
      RecordingEtcdMetrics* metrics) {
    etcd_store::EtcdStoreOptions options =
        EtcdOptions(absl::StrCat(dir_.path(), "/"));
    options.etcd_metrics = metrics;
    absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
        etcd_store::EtcdClaimStore::Open(std::move(options));
    EXPECT_OK(store);
    return store.ok() ? *std::move(store) : nullptr;
  }

  TempDir dir_;
  RecordingEtcdMetrics metrics_a_, metrics_b_;
};

TEST_F(EtcdMetricsTest, ACommitIsOneCommittedTxnAndOneWatchLag) {
  auto a = OpenReplica(&metrics_a_);
  ASSERT_NE(a, nullptr);
  ASSERT_OK(a->Apply(CreateMutation("one")));
  ASSERT_OK(a->Apply(CreateMutation("two")));
  // Apply returns after the callback, which runs after the watch lag was
  // reported: the counts are final here.
  const RecordingEtcdMetrics::Counts counts = metrics_a_.counts();
  EXPECT_EQ(counts.committed, 2);
  EXPECT_EQ(counts.lost_races, 0);
  EXPECT_EQ(counts.failed, 0);
  EXPECT_EQ(counts.watch_lags, 2);
  EXPECT_EQ(counts.applied, 2);
}

TEST_F(EtcdMetricsTest, ReadsStartWithALinearizableRead) {
  auto a = OpenReplica(&metrics_a_);
  ASSERT_NE(a, nullptr);
  ASSERT_OK(a->Apply(CreateMutation("c")));
  const int before = metrics_a_.counts().reads;
  ASSERT_OK(a->Get("c"));
  ASSERT_OK(a->ReadSnapshot(core::Filter()).status());
  const RecordingEtcdMetrics::Counts counts = metrics_a_.counts();
  EXPECT_GE(counts.reads, before + 1);
  EXPECT_EQ(counts.failed_reads, 0);
}

// Both replicas build on the same counter value and submit at once, round
// after round, until one Txn loses the race (the first round nearly always
// does). Whatever the interleaving: every write is acknowledged, each
// committed Txn is one watch lag on its replica, and both watches applied
// every revision.
TEST_F(EtcdMetricsTest, RacingReplicasCountLostRacesAndRetry) {
  auto a = OpenReplica(&metrics_a_);
  auto b = OpenReplica(&metrics_b_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kPerRound = 8;
  int rounds = 0;
  for (; rounds < 200; ++rounds) {
    absl::BlockingCounter pending(2 * kPerRound);
    std::atomic<int> failures{0};
    for (int i = 0; i < kPerRound; ++i) {
      for (auto* store : {a.get(), b.get()}) {
        store->Submit(CreateMutation(absl::StrCat(store == a.get() ? "a" : "b",
                                                  rounds, "-", i)),
                      [&](const absl::StatusOr<core::MutationResult>& result) {
                        if (!result.ok()) ++failures;
                        pending.DecrementCount();
                      });
      }
    }
    pending.Wait();
    ASSERT_EQ(failures.load(), 0);
    if (metrics_a_.counts().lost_races + metrics_b_.counts().lost_races > 0)
      break;
  }
  const int64_t writes = int64_t{2} * kPerRound * (rounds + 1);
  ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot,
                       a->ReadSnapshot(core::Filter()));
  EXPECT_EQ(snapshot.revision, writes);
  ASSERT_OK(b->ReadSnapshot(core::Filter()).status());
  const RecordingEtcdMetrics::Counts on_a = metrics_a_.counts();
  const RecordingEtcdMetrics::Counts on_b = metrics_b_.counts();
  EXPECT_GT(on_a.lost_races + on_b.lost_races, 0);
  EXPECT_EQ(on_a.failed + on_b.failed, 0);
  EXPECT_EQ(on_a.watch_lags, on_a.committed);
  EXPECT_EQ(on_b.watch_lags, on_b.committed);
  EXPECT_GE(on_a.committed + on_b.committed, 2);
  EXPECT_EQ(on_a.applied, writes);
  EXPECT_EQ(on_b.applied, writes);
}

TEST_F(EtcdMetricsTest, CompactionIsCountedOnTheReplicaThatRanIt) {
  auto a = OpenReplica(&metrics_a_);
  auto b = OpenReplica(&metrics_b_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < 6; ++i)
    ASSERT_OK(a->Apply(CreateMutation(absl::StrCat("k", i))));
  ASSERT_OK(a->Compact(4));
  ASSERT_OK(b->Compact(4));
  EXPECT_EQ(metrics_a_.counts().compaction_passes, 1);
  EXPECT_EQ(metrics_b_.counts().compaction_passes, 0);
  EXPECT_EQ(metrics_a_.counts().compacted_keys,
            a->compaction_work().keys_deleted);
  EXPECT_GT(metrics_a_.counts().compacted_keys, 0);
  EXPECT_EQ(metrics_b_.counts().compacted_keys, 0);

  // etcd's own MVCC history, at the revision a write of b reported.
  ASSERT_OK(b->Apply(CreateMutation("last")));
  etcd_store::EtcdConnectOptions connect;
  connect.endpoints = SharedEtcdCluster().endpoints();
  ASSERT_OK_AND_ASSIGN(auto client, etcd_store::EtcdClient::Create(connect));
  etcdserverpb::RangeRequest head;
  head.set_key("/");
  head.set_count_only(true);
  ASSERT_OK_AND_ASSIGN(etcdserverpb::RangeResponse now, client->Range(head));
  const int64_t revision = now.header().revision();
  ASSERT_OK_AND_ASSIGN(bool compacted,
                       b->CompactEtcdHistory(revision, revision));
  EXPECT_TRUE(compacted);
  EXPECT_EQ(metrics_b_.counts().etcd_compactions, 1);
  EXPECT_EQ(metrics_a_.counts().etcd_compactions, 0);
}

TEST(ClaimdOverEtcd, ExportsTheEtcdSeriesAndNoSqliteOnes) {
  TempDir dir;
  e2e::ClaimdHarness claimd(
      dir.File("unused-data"), dir.path(),
      {"--store=etcd",
       absl::StrCat("--etcd_endpoints=", SharedEtcdCluster().EndpointList()),
       absl::StrCat("--etcd_prefix=", dir.path(), "/"),
       "--metrics_listen=127.0.0.1:0"});
  ASSERT_OK(claimd.Start());
  const int port = e2e::MetricsPort(claimd.Stderr());
  ASSERT_NE(port, 0) << claimd.Stderr();
  auto stub = claims::v1::ClaimService::NewStub(claimd.NewChannel());
  ASSERT_OK(CreateClaim(*stub, "scraped", "Water is wet").status());
  ASSERT_OK_AND_ASSIGN(e2e::HttpResponse scrape,
                       e2e::HttpGet(port, "/metrics"));
  EXPECT_EQ(scrape.status, 200);
  // The create's Txn committed (it was acknowledged after its watch lag).
  EXPECT_THAT(
      scrape.body,
      ::testing::HasSubstr("claimd_etcd_txn_total{result=\"committed\"} 1"));
  for (const char* series :
       {"# TYPE claimd_etcd_watch_lag_seconds histogram",
        "claimd_etcd_watch_lag_seconds_count 1",
        "claimd_etcd_txn_total{result=\"lost_race\"} 0",
        "# TYPE claimd_etcd_linearizable_read_duration_seconds histogram",
        "# TYPE claimd_etcd_watch_restarts_total counter",
        "claimd_etcd_watch_applied_revision 1"}) {
    EXPECT_THAT(scrape.body, ::testing::HasSubstr(series));
  }
  EXPECT_THAT(scrape.body,
              ::testing::Not(::testing::HasSubstr("claimd_store_wal_frames")));
  EXPECT_THAT(scrape.body, ::testing::Not(::testing::HasSubstr("checkpoint")));
}

}  // namespace
}  // namespace claimd::testing
