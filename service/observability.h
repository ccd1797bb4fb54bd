// claimd's logging set-up and its Prometheus metrics export, from the values of
// --log_format, --log_level, --metrics_listen and --store (the flags live in
// main.cc, which only wires these in).
// Thread-safety: call from main() before the server starts.
#ifndef CLAIMD_SERVICE_OBSERVABILITY_H_
#define CLAIMD_SERVICE_OBSERVABILITY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/metrics/metrics_endpoint.h"
#include "service/metrics/prometheus_etcd_metrics.h"
#include "service/metrics/prometheus_metrics.h"
#include "service/metrics/prometheus_sqlite_metrics.h"
#include "service/store_factory/open_claim_store.h"

namespace claimd {

// Applies the log format ("text"/"json") and minimum level, and routes gRPC's
// own log lines through ours. Errors: INVALID_ARGUMENT for an unknown name.
absl::Status ConfigureLogs(const std::string& format, const std::string& level);

// The metrics and their HTTP endpoint; all null when metrics are off. Of the
// backends' own series only the running backend's are there (the other
// pointer is null), so a scrape shows no series that can never move.
struct MetricsExport {
  std::unique_ptr<metrics::PrometheusMetrics> metrics;
  std::unique_ptr<metrics::PrometheusSqliteMetrics> sqlite;
  std::unique_ptr<metrics::PrometheusEtcdMetrics> etcd;
  std::unique_ptr<metrics::MetricsEndpoint> endpoint;
};

// Starts serving metrics on `address` (empty: off), with the series of
// `backend`, and logs where. Errors: those of MetricsEndpoint::Start
// (INVALID_ARGUMENT, UNAVAILABLE).
absl::StatusOr<MetricsExport> StartMetrics(const std::string& address,
                                           store_factory::StoreBackend backend);

}  // namespace claimd

#endif  // CLAIMD_SERVICE_OBSERVABILITY_H_
