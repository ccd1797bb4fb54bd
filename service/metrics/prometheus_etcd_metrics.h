// PrometheusEtcdMetrics: etcd_store::EtcdMetrics recorded in the registry of
// PrometheusMetrics, for claimd --store=etcd (only then are these series
// registered). The series, for a replica over etcd:
//
//   claimd_etcd_txn_total{result}                  commit Txns: committed,
//                                                  lost_race, failed
//   claimd_etcd_txn_duration_seconds               one commit Txn attempt
//   claimd_etcd_txn_resends_total                  commit Txns sent again
//   claimd_etcd_watch_lag_seconds                  own commit to watch applied
//   claimd_etcd_watch_applied_revision             revision the watch applied
//   claimd_etcd_watch_restarts_total               watch streams started again
//   claimd_etcd_watch_resyncs_total                ... after reading it all
//   claimd_etcd_linearizable_read_duration_seconds the (shared) counter read
//   claimd_etcd_linearizable_read_failures_total   ... that etcd did not answer
//   claimd_etcd_history_compaction_passes_total    deletion passes of Compact
//   claimd_etcd_history_compacted_keys_total       keys those passes deleted
//   claimd_etcd_mvcc_compactions_total             etcd MVCC compactions
//
// Thread-safety: all methods may be called from any thread.
#ifndef CLAIMD_SERVICE_METRICS_PROMETHEUS_ETCD_METRICS_H_
#define CLAIMD_SERVICE_METRICS_PROMETHEUS_ETCD_METRICS_H_

#include <array>
#include <cstdint>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "service/etcd_store/etcd_metrics.h"

namespace claimd::metrics {

class PrometheusEtcdMetrics final : public etcd_store::EtcdMetrics {
 public:
  // Registers the series in `registry`, which must outlive this object.
  explicit PrometheusEtcdMetrics(prometheus::Registry& registry);
  PrometheusEtcdMetrics(const PrometheusEtcdMetrics&) = delete;
  PrometheusEtcdMetrics& operator=(const PrometheusEtcdMetrics&) = delete;

  void OnTxn(TxnResult result, absl::Duration duration) override;
  void OnWatchLag(absl::Duration lag) override;
  void OnLinearizableRead(absl::Duration duration, bool ok) override;
  void OnWatchApplied(int64_t revision) override;
  void OnTxnResend() override;
  void OnWatchRestart(bool resync) override;
  void OnCompactionPass() override;
  void OnCompactedKeys(int64_t keys) override;
  void OnEtcdCompaction() override;

 private:
  // Indexed by TxnResult; every result is there from the start, at 0, so
  // that a rate over it never starts from a missing series.
  std::array<prometheus::Counter*, 3> txns_{};
  prometheus::Histogram& txn_duration_;
  prometheus::Counter& txn_resends_;
  prometheus::Histogram& watch_lag_;
  prometheus::Gauge& watch_applied_;
  prometheus::Counter& watch_restarts_;
  prometheus::Counter& watch_resyncs_;
  prometheus::Histogram& read_duration_;
  prometheus::Counter& read_failures_;
  prometheus::Counter& compaction_passes_;
  prometheus::Counter& compacted_keys_;
  prometheus::Counter& etcd_compactions_;
};

}  // namespace claimd::metrics

#endif  // CLAIMD_SERVICE_METRICS_PROMETHEUS_ETCD_METRICS_H_
