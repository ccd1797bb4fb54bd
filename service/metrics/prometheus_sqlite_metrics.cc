// PrometheusSqliteMetrics (see prometheus_sqlite_metrics.h).
#include "service/metrics/prometheus_sqlite_metrics.h"

#include "service/metrics/prometheus_metrics.h"

namespace claimd::metrics {

PrometheusSqliteMetrics::PrometheusSqliteMetrics(prometheus::Registry& registry)
    : wal_frames_(prometheus::BuildGauge()
                      .Name("claimd_store_wal_frames")
                      .Help("Pages in the store's write-ahead log after the "
                            "last commit (it starts over beyond 4000; steady "
                            "growth means checkpoints are failing or held back "
                            "by a long read)")
                      .Register(registry)
                      .Add({})),
      checkpoint_duration_(
          prometheus::BuildHistogram()
              .Name("claimd_store_checkpoint_duration_seconds")
              .Help("Background checkpoint passes (WAL pages copied into the "
                    "database file, which is then synced)")
              .Register(registry)
              .Add({}, LatencyBuckets())),
      checkpoint_failures_(
          prometheus::BuildCounter()
              .Name("claimd_store_checkpoint_failures_total")
              .Help("Background checkpoint passes that failed (nothing is "
                    "lost; the WAL grows until one succeeds)")
              .Register(registry)
              .Add({})) {}

void PrometheusSqliteMetrics::OnWalFrames(int frames) {
  wal_frames_.Set(static_cast<double>(frames));
}

void PrometheusSqliteMetrics::OnCheckpoint(absl::Duration duration, bool ok) {
  checkpoint_duration_.Observe(absl::ToDoubleSeconds(duration));
  if (!ok) checkpoint_failures_.Increment();
}

}  // namespace claimd::metrics
