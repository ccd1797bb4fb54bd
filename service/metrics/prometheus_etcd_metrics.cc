// PrometheusEtcdMetrics (see prometheus_etcd_metrics.h).
#include "service/metrics/prometheus_etcd_metrics.h"

#include <string>
#include <utility>

#include "service/metrics/prometheus_metrics.h"

namespace claimd::metrics {
namespace {

prometheus::Counter& Counter(prometheus::Registry& registry,
                             const std::string& name, const std::string& help) {
  return prometheus::BuildCounter()
      .Name(name)
      .Help(help)
      .Register(registry)
      .Add({});
}

prometheus::Histogram& Latency(prometheus::Registry& registry,
                               const std::string& name,
                               const std::string& help) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(help)
      .Register(registry)
      .Add({}, LatencyBuckets());
}

}  // namespace

PrometheusEtcdMetrics::PrometheusEtcdMetrics(prometheus::Registry& registry)
    : txn_duration_(Latency(
          registry, "claimd_etcd_txn_duration_seconds",
          "Commit Txn attempts, from sending the Txn to knowing its result "
          "(a failed call includes the read that looks for its outcome)")),
      txn_resends_(Counter(
          registry, "claimd_etcd_txn_resends_total",
          "Commit Txns sent again after an attempt failed or got no answer "
          "within 0.5 s and a read found it not committed (a member or "
          "leader that died or hangs; every attempt compares the same "
          "revision, so at most one commits)")),
      watch_lag_(Latency(
          registry, "claimd_etcd_watch_lag_seconds",
          "For this replica's commits: from etcd's answer that the Txn "
          "committed to this replica's watch applying it (callers wait for "
          "it; steady growth means the watch falls behind)")),
      watch_applied_(prometheus::BuildGauge()
                         .Name("claimd_etcd_watch_applied_revision")
                         .Help("The claimd revision this replica's etcd watch "
                               "has applied (its state reflects every commit "
                               "up to it, any replica's)")
                         .Register(registry)
                         .Add({})),
      watch_restarts_(Counter(
          registry, "claimd_etcd_watch_restarts_total",
          "Times this replica's etcd watch stream ended and was started "
          "again (etcd member lost, leader change, compaction)")),
      watch_resyncs_(Counter(
          registry, "claimd_etcd_watch_resyncs_total",
          "Watch restarts that had to read the whole state again, because "
          "etcd had compacted past the watch's position")),
      read_duration_(Latency(
          registry, "claimd_etcd_linearizable_read_duration_seconds",
          "The linearizable read of claimd's revision counter that every "
          "GetClaim, ListClaims and snapshot starts with (one etcd round "
          "trip, shared by the reads that began while it was in flight: the "
          "count is etcd round trips, not claimd reads)")),
      read_failures_(Counter(
          registry, "claimd_etcd_linearizable_read_failures_total",
          "Linearizable reads etcd did not answer (no quorum, timeout): the "
          "claimd reads sharing them failed UNAVAILABLE")),
      compaction_passes_(Counter(
          registry, "claimd_etcd_history_compaction_passes_total",
          "Deletion passes this replica ran to trim claimd's history in etcd "
          "(--history_retention; one replica per compaction)")),
      compacted_keys_(Counter(registry,
                              "claimd_etcd_history_compacted_keys_total",
                              "Keys those deletion passes deleted from etcd")),
      etcd_compactions_(
          Counter(registry, "claimd_etcd_mvcc_compactions_total",
                  "Compactions of etcd's own MVCC history this replica made "
                  "(--etcd_compaction_interval)")) {
  auto& txns = prometheus::BuildCounter()
                   .Name("claimd_etcd_txn_total")
                   .Help(
                       "Commit Txns by result: committed; lost_race "
                       "(another replica took that revision first: this "
                       "one waits for its watch and retries); failed (the "
                       "call failed and its outcome stays unknown: the "
                       "writes fail UNAVAILABLE, to be retried)")
                   .Register(registry);
  using Result = TxnResult;
  for (auto [result, name] : {std::pair{Result::kCommitted, "committed"},
                              std::pair{Result::kLostRace, "lost_race"},
                              std::pair{Result::kFailed, "failed"}}) {
    txns_[static_cast<int>(result)] = &txns.Add({{"result", name}});
  }
}

void PrometheusEtcdMetrics::OnTxn(TxnResult result, absl::Duration duration) {
  txns_[static_cast<int>(result)]->Increment();
  txn_duration_.Observe(absl::ToDoubleSeconds(duration));
}

void PrometheusEtcdMetrics::OnTxnResend() { txn_resends_.Increment(); }

void PrometheusEtcdMetrics::OnWatchLag(absl::Duration lag) {
  watch_lag_.Observe(absl::ToDoubleSeconds(lag));
}

void PrometheusEtcdMetrics::OnLinearizableRead(absl::Duration duration,
                                               bool ok) {
  read_duration_.Observe(absl::ToDoubleSeconds(duration));
  if (!ok) read_failures_.Increment();
}

void PrometheusEtcdMetrics::OnWatchApplied(int64_t revision) {
  watch_applied_.Set(static_cast<double>(revision));
}

void PrometheusEtcdMetrics::OnWatchRestart(bool resync) {
  watch_restarts_.Increment();
  if (resync) watch_resyncs_.Increment();
}

void PrometheusEtcdMetrics::OnCompactionPass() {
  compaction_passes_.Increment();
}

void PrometheusEtcdMetrics::OnCompactedKeys(int64_t keys) {
  compacted_keys_.Increment(static_cast<double>(keys));
}

void PrometheusEtcdMetrics::OnEtcdCompaction() {
  etcd_compactions_.Increment();
}

}  // namespace claimd::metrics
