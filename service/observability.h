// claimd's logging set-up and its Prometheus metrics export, from the values of
// --log_format, --log_level and --metrics_listen (the flags live in main.cc,
// which only wires these in).
// Thread-safety: call from main() before the server starts.
#ifndef CLAIMD_SERVICE_OBSERVABILITY_H_
#define CLAIMD_SERVICE_OBSERVABILITY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/metrics/metrics_endpoint.h"
#include "service/metrics/prometheus_metrics.h"

namespace claimd {

// Applies the log format ("text"/"json") and minimum level, and routes gRPC's
// own log lines through ours. Errors: INVALID_ARGUMENT for an unknown name.
absl::Status ConfigureLogs(const std::string& format, const std::string& level);

// The metrics and their HTTP endpoint; both null when metrics are off.
struct MetricsExport {
  std::unique_ptr<metrics::PrometheusMetrics> metrics;
  std::unique_ptr<metrics::MetricsEndpoint> endpoint;
};

// Starts serving metrics on `address` (empty: off) and logs where. Errors:
// those of MetricsEndpoint::Start (INVALID_ARGUMENT, UNAVAILABLE).
absl::StatusOr<MetricsExport> StartMetrics(const std::string& address);

}  // namespace claimd

#endif  // CLAIMD_SERVICE_OBSERVABILITY_H_
