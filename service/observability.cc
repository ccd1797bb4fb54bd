#include "service/observability.h"

#include <utility>

#include "service/api/grpc_log_bridge.h"
#include "service/build_info.h"
#include "service/util/log.h"

namespace claimd {

absl::Status ConfigureLogs(const std::string& format,
                           const std::string& level) {
  absl::StatusOr<util::LogFormat> parsed_format = util::ParseLogFormat(format);
  if (!parsed_format.ok()) return parsed_format.status();
  absl::StatusOr<util::LogLevel> parsed_level = util::ParseLogLevel(level);
  if (!parsed_level.ok()) return parsed_level.status();
  util::ConfigureLogging(*parsed_format, *parsed_level);
  api::RouteGrpcLogsToClaimdLog();
  return absl::OkStatus();
}

absl::StatusOr<MetricsExport> StartMetrics(
    const std::string& address, store_factory::StoreBackend backend) {
  MetricsExport result;
  if (address.empty()) return result;
  result.metrics =
      std::make_unique<metrics::PrometheusMetrics>(CurrentBuildInfo());
  // Registered before the endpoint serves, so the first scrape has them.
  prometheus::Registry& registry = *result.metrics->registry();
  if (backend == store_factory::StoreBackend::kEtcd) {
    result.etcd = std::make_unique<metrics::PrometheusEtcdMetrics>(registry);
  } else {
    result.sqlite =
        std::make_unique<metrics::PrometheusSqliteMetrics>(registry);
  }
  absl::StatusOr<std::unique_ptr<metrics::MetricsEndpoint>> endpoint =
      metrics::MetricsEndpoint::Start(address, result.metrics->registry());
  if (!endpoint.ok()) return endpoint.status();
  result.endpoint = *std::move(endpoint);
  util::LogInfo("serving Prometheus metrics on ", address, " (port ",
                result.endpoint->port(), ") at /metrics");
  return result;
}

}  // namespace claimd
