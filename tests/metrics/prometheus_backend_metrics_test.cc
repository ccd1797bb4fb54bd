// Each backend's own Prometheus series: PrometheusSqliteMetrics and
// PrometheusEtcdMetrics register exactly their series (so a replica exports
// only its backend's), with HELP texts, and each hook moves its series by
// exactly what it reported.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/metrics/prometheus_etcd_metrics.h"
#include "service/metrics/prometheus_metrics.h"
#include "service/metrics/prometheus_sqlite_metrics.h"

namespace claimd::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using ::testing::Not;
using TxnResult = etcd_store::EtcdMetrics::TxnResult;

std::map<std::string, prometheus::MetricFamily> Collect(
    const prometheus::Registry& registry) {
  std::map<std::string, prometheus::MetricFamily> by_name;
  for (prometheus::MetricFamily& family : registry.Collect())
    by_name[family.name] = family;
  return by_name;
}

std::vector<std::string> Names(
    const std::map<std::string, prometheus::MetricFamily>& families) {
  std::vector<std::string> names;
  names.reserve(families.size());
  for (const auto& [name, family] : families) names.push_back(name);
  return names;
}

// The one series of `name` whose labels include {label: value} (no label:
// the first); fails the test when there is none.
const prometheus::ClientMetric& Series(
    const std::map<std::string, prometheus::MetricFamily>& families,
    const std::string& name, const std::string& label = "",
    const std::string& value = "") {
  static const prometheus::ClientMetric* const kMissing =
      new prometheus::ClientMetric();
  auto family = families.find(name);
  if (family == families.end()) {
    ADD_FAILURE() << "no " << name;
    return *kMissing;
  }
  for (const prometheus::ClientMetric& metric : family->second.metric) {
    if (label.empty()) return metric;
    for (const prometheus::ClientMetric::Label& pair : metric.label) {
      if (pair.name == label && pair.value == value) return metric;
    }
  }
  ADD_FAILURE() << "no " << name << "{" << label << "=\"" << value << "\"}";
  return *kMissing;
}

TEST(PrometheusSqliteMetrics, RegistersTheWalAndCheckpointSeriesOnly) {
  prometheus::Registry registry;
  PrometheusSqliteMetrics metrics(registry);
  const auto families = Collect(registry);
  EXPECT_THAT(Names(families),
              ElementsAre("claimd_store_checkpoint_duration_seconds",
                          "claimd_store_checkpoint_failures_total",
                          "claimd_store_wal_frames"));
  for (const auto& [name, family] : families)
    EXPECT_FALSE(family.help.empty()) << name;
}

TEST(PrometheusSqliteMetrics, HooksMoveTheirSeries) {
  prometheus::Registry registry;
  PrometheusSqliteMetrics metrics(registry);
  metrics.OnWalFrames(1200);
  metrics.OnWalFrames(37);
  metrics.OnCheckpoint(absl::Milliseconds(20), true);
  metrics.OnCheckpoint(absl::Milliseconds(30), false);
  const auto families = Collect(registry);
  EXPECT_EQ(Series(families, "claimd_store_wal_frames").gauge.value, 37);
  const prometheus::ClientMetric::Histogram& checkpoints =
      Series(families, "claimd_store_checkpoint_duration_seconds").histogram;
  EXPECT_EQ(checkpoints.sample_count, 2u);
  EXPECT_DOUBLE_EQ(checkpoints.sample_sum, 0.05);
  EXPECT_EQ(
      Series(families, "claimd_store_checkpoint_failures_total").counter.value,
      1);
}

TEST(PrometheusEtcdMetrics, RegistersItsSeriesWithHelpAndNoSqliteOnes) {
  prometheus::Registry registry;
  PrometheusEtcdMetrics metrics(registry);
  const auto families = Collect(registry);
  EXPECT_THAT(
      Names(families),
      ElementsAre(
          "claimd_etcd_history_compacted_keys_total",
          "claimd_etcd_history_compaction_passes_total",
          "claimd_etcd_linearizable_read_duration_seconds",
          "claimd_etcd_linearizable_read_failures_total",
          "claimd_etcd_mvcc_compactions_total",
          "claimd_etcd_txn_duration_seconds", "claimd_etcd_txn_resends_total",
          "claimd_etcd_txn_total", "claimd_etcd_watch_applied_revision",
          "claimd_etcd_watch_lag_seconds", "claimd_etcd_watch_restarts_total",
          "claimd_etcd_watch_resyncs_total"));
  for (const auto& [name, family] : families)
    EXPECT_FALSE(family.help.empty()) << name;
  // Every result is exported from the start, at 0.
  for (const char* result : {"committed", "lost_race", "failed"}) {
    EXPECT_EQ(Series(families, "claimd_etcd_txn_total", "result", result)
                  .counter.value,
              0)
        << result;
  }
}

TEST(PrometheusEtcdMetrics, TxnsAreCountedByResultAndTimed) {
  prometheus::Registry registry;
  PrometheusEtcdMetrics metrics(registry);
  metrics.OnTxn(TxnResult::kCommitted, absl::Milliseconds(4));
  metrics.OnTxn(TxnResult::kLostRace, absl::Milliseconds(3));
  metrics.OnTxn(TxnResult::kLostRace, absl::Milliseconds(2));
  metrics.OnTxn(TxnResult::kFailed, absl::Seconds(5));
  metrics.OnTxnResend();
  metrics.OnTxnResend();
  const auto families = Collect(registry);
  auto txns = [&](const std::string& result) {
    return Series(families, "claimd_etcd_txn_total", "result", result)
        .counter.value;
  };
  EXPECT_EQ(txns("committed"), 1);
  EXPECT_EQ(txns("lost_race"), 2);
  EXPECT_EQ(txns("failed"), 1);
  EXPECT_EQ(Series(families, "claimd_etcd_txn_resends_total").counter.value, 2);
  const prometheus::ClientMetric::Histogram& duration =
      Series(families, "claimd_etcd_txn_duration_seconds").histogram;
  EXPECT_EQ(duration.sample_count, 4u);
  EXPECT_DOUBLE_EQ(duration.sample_sum, 5.009);
}

TEST(PrometheusEtcdMetrics, WatchReadAndCompactionHooksMoveTheirSeries) {
  prometheus::Registry registry;
  PrometheusEtcdMetrics metrics(registry);
  metrics.OnWatchLag(absl::Milliseconds(7));
  metrics.OnWatchApplied(41);
  metrics.OnWatchApplied(42);
  metrics.OnWatchRestart(false);
  metrics.OnWatchRestart(true);
  metrics.OnLinearizableRead(absl::Milliseconds(1), true);
  metrics.OnLinearizableRead(absl::Milliseconds(2), false);
  metrics.OnCompactionPass();
  metrics.OnCompactedKeys(1);
  metrics.OnCompactedKeys(10);
  metrics.OnEtcdCompaction();
  const auto families = Collect(registry);
  const prometheus::ClientMetric::Histogram& lag =
      Series(families, "claimd_etcd_watch_lag_seconds").histogram;
  EXPECT_EQ(lag.sample_count, 1u);
  EXPECT_DOUBLE_EQ(lag.sample_sum, 0.007);
  EXPECT_EQ(Series(families, "claimd_etcd_watch_applied_revision").gauge.value,
            42);
  EXPECT_EQ(Series(families, "claimd_etcd_watch_restarts_total").counter.value,
            2);
  EXPECT_EQ(Series(families, "claimd_etcd_watch_resyncs_total").counter.value,
            1);
  const prometheus::ClientMetric::Histogram& reads =
      Series(families, "claimd_etcd_linearizable_read_duration_seconds")
          .histogram;
  EXPECT_EQ(reads.sample_count, 2u);
  EXPECT_EQ(Series(families, "claimd_etcd_linearizable_read_failures_total")
                .counter.value,
            1);
  EXPECT_EQ(Series(families, "claimd_etcd_history_compaction_passes_total")
                .counter.value,
            1);
  EXPECT_EQ(Series(families, "claimd_etcd_history_compacted_keys_total")
                .counter.value,
            11);
  EXPECT_EQ(
      Series(families, "claimd_etcd_mvcc_compactions_total").counter.value, 1);
}

// The series every backend shares no longer include SQLite's.
TEST(PrometheusMetrics, CarriesNoBackendSpecificSeries) {
  PrometheusMetrics metrics(BuildInfo{});
  const auto names = Names(Collect(*metrics.registry()));
  EXPECT_THAT(names, IsSupersetOf({"claimd_store_commit_duration_seconds",
                                   "claimd_store_revision", "claimd_claims"}));
  for (const std::string& name : names) {
    EXPECT_THAT(name, Not(::testing::HasSubstr("wal")));
    EXPECT_THAT(name, Not(::testing::HasSubstr("checkpoint")));
    EXPECT_THAT(name, Not(::testing::StartsWith("claimd_etcd_")));
  }
}

}  // namespace
}  // namespace claimd::metrics
