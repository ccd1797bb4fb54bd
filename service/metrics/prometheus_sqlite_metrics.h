// PrometheusSqliteMetrics: store::SqliteMetrics recorded in the registry of
// PrometheusMetrics, for claimd --store=sqlite (only then are these series
// registered, so an etcd replica exports no SQLite series). The series:
//
//   claimd_store_wal_frames                        WAL pages after a commit
//   claimd_store_checkpoint_duration_seconds       one background checkpoint
//   claimd_store_checkpoint_failures_total         failed checkpoint passes
//
// Thread-safety: all methods may be called from any thread.
#ifndef CLAIMD_SERVICE_METRICS_PROMETHEUS_SQLITE_METRICS_H_
#define CLAIMD_SERVICE_METRICS_PROMETHEUS_SQLITE_METRICS_H_

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "service/store/sqlite_metrics.h"

namespace claimd::metrics {

class PrometheusSqliteMetrics final : public store::SqliteMetrics {
 public:
  // Registers the series in `registry`, which must outlive this object.
  explicit PrometheusSqliteMetrics(prometheus::Registry& registry);
  PrometheusSqliteMetrics(const PrometheusSqliteMetrics&) = delete;
  PrometheusSqliteMetrics& operator=(const PrometheusSqliteMetrics&) = delete;

  void OnWalFrames(int frames) override;
  void OnCheckpoint(absl::Duration duration, bool ok) override;

 private:
  prometheus::Gauge& wal_frames_;
  prometheus::Histogram& checkpoint_duration_;
  prometheus::Counter& checkpoint_failures_;
};

}  // namespace claimd::metrics

#endif  // CLAIMD_SERVICE_METRICS_PROMETHEUS_SQLITE_METRICS_H_
