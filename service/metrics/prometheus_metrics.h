// PrometheusMetrics: core::Metrics recorded in a prometheus-cpp registry, which
// MetricsEndpoint (metrics_endpoint.h) serves over HTTP. The series:
//
//   claimd_rpc_handled_total{method,code}          calls finished, per status
//   claimd_rpc_duration_seconds{method}            unary call latency
//   claimd_watchers_active                         WatchClaims streams open
//   claimd_watch_events_delivered_total            events in accepted messages
//   claimd_watch_catch_ups_total                   fall-backs to store reads
//   claimd_store_commit_duration_seconds           one transaction, sync incl.
//   claimd_store_commit_mutations                  mutations per transaction
//   claimd_store_revision                          last committed revision
//   claimd_claims{status}                          claims per status
//   claimd_build_info{version,commit,grpc,sqlite}  always 1
//
// claimd_claims starts from one count when the store opens and then follows
// the events the store applies (over etcd, every replica's, as this replica's
// watch applies them), so a scrape never scans the store. A backend's own
// series are registered in the same registry by PrometheusSqliteMetrics or
// PrometheusEtcdMetrics, whichever backend runs.
// Thread-safety: all methods may be called from any thread.
#ifndef CLAIMD_SERVICE_METRICS_PROMETHEUS_METRICS_H_
#define CLAIMD_SERVICE_METRICS_PROMETHEUS_METRICS_H_

#include <array>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "service/core/metrics.h"

namespace claimd::metrics {

struct BuildInfo {
  std::string version;
  std::string commit;
  std::string grpc_version;
  std::string sqlite_version;
};

// Buckets for latencies from 100 µs to 10 s, which every claimd histogram of
// seconds uses (one store transaction, one etcd request, one unary call).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

class PrometheusMetrics final : public core::Metrics {
 public:
  explicit PrometheusMetrics(const BuildInfo& build);
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  // What MetricsEndpoint serves.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void OnStoreOpened(int64_t revision,
                     const core::StatusCounts& counts) override;
  void OnEventsApplied(absl::Span<const core::ClaimEventPtr> events) override;
  void OnCommit(absl::Duration duration, size_t mutations) override;
  void OnWatcherStarted() override;
  void OnWatcherEnded() override;
  void OnEventsDelivered(size_t count) override;
  void OnWatcherCatchUp() override;
  void OnRpcFinished(absl::string_view method, absl::string_view code,
                     bool unary, absl::Duration duration) override;

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  // The series of one method, found once: Family::Add builds a label map
  // and takes the family's lock, which every call would otherwise pay.
  struct MethodSeries {
    prometheus::Histogram* duration = nullptr;  // unary methods only
    absl::flat_hash_map<std::string, prometheus::Counter*> handled_by_code;
  };

  prometheus::Family<prometheus::Counter>& rpc_handled_;
  prometheus::Family<prometheus::Histogram>& rpc_duration_;
  absl::Mutex rpc_mutex_;
  absl::flat_hash_map<std::string, MethodSeries> rpc_series_
      ABSL_GUARDED_BY(rpc_mutex_);
  prometheus::Gauge& watchers_active_;
  prometheus::Counter& events_delivered_;
  prometheus::Counter& catch_ups_;
  prometheus::Histogram& commit_duration_;
  prometheus::Histogram& commit_mutations_;
  prometheus::Gauge& revision_;
  // Indexed by core::VerificationStatus; [0] (unspecified) is unused.
  std::array<prometheus::Gauge*, 4> claims_{};
};

}  // namespace claimd::metrics

#endif  // CLAIMD_SERVICE_METRICS_PROMETHEUS_METRICS_H_
