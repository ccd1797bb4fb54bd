// MetricsEndpoint: serves a prometheus-cpp registry as Prometheus text format
// at http://ADDRESS/metrics (prometheus-cpp's Exposer, on civetweb), for
// claimd's --metrics_listen, with the standard process_* series
// (process_collector.h) next to the registry's. `HEAD /metrics` answers as GET
// does (status, Content-Type, Content-Length), without the body.
//
//   ASSIGN_OR_RETURN(auto endpoint,
//                    MetricsEndpoint::Start("127.0.0.1:9464", registry));
//
// Thread-safety: immutable after Start; the HTTP server has its own threads.
#ifndef CLAIMD_SERVICE_METRICS_METRICS_ENDPOINT_H_
#define CLAIMD_SERVICE_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

struct mg_connection;

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace claimd::metrics {

class MetricsEndpoint {
 public:
  // Binds `address` (HOST:PORT, [::1]:PORT for IPv6; port 0 picks a free one)
  // and serves `registry` (16 worker threads; a request must arrive within
  // 2 s). Logs a warning when the address is not loopback: the endpoint has
  // no authentication. Errors: INVALID_ARGUMENT (not HOST:PORT), UNAVAILABLE
  // (the address cannot be bound).
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address,
      std::shared_ptr<prometheus::Registry> registry);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // The port actually bound.
  int port() const { return port_; }

  // True for 127.x.y.z, localhost and [::1] (HOST:PORT).
  static bool IsLoopbackAddress(const std::string& address);

 private:
  MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer,
                  std::shared_ptr<prometheus::Registry> registry,
                  std::shared_ptr<prometheus::Collectable> process, int port);

  // The scrape's text without the exposer's own series (for HEAD).
  std::string Render() const;
  // civetweb's begin_request hook: answers HEAD /metrics, leaves the rest.
  static int BeginRequest(struct mg_connection* connection);

  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> registry_;
  // The exposer only holds weak pointers: the collectables live here.
  std::shared_ptr<prometheus::Collectable> process_;
  int port_;
};

}  // namespace claimd::metrics

#endif  // CLAIMD_SERVICE_METRICS_METRICS_ENDPOINT_H_
