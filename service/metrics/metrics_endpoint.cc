#include "service/metrics/metrics_endpoint.h"

#include <cstring>
#include <exception>
#include <sstream>
#include <utility>
#include <vector>

#include "CivetServer.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "civetweb.h"
#include "prometheus/text_serializer.h"
#include "service/metrics/process_collector.h"
#include "service/util/log.h"

namespace claimd::metrics {
namespace {

// civetweb's listening_ports syntax: "127.0.0.1:9464" or "[::1]:9464". A bare
// port would listen on every interface, which must be asked for explicitly
// ("0.0.0.0:9464").
absl::Status CheckAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_listen=", address,
                     " is not HOST:PORT (e.g. 127.0.0.1:9464)"));
  }
  for (char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(absl::StrCat(
          "--metrics_listen=", address, ": the port is not a number"));
    }
  }
  return absl::OkStatus();
}

// civetweb's hooks get no pointer of ours: HEAD requests find their endpoint
// by the listening port they arrived on. The lock is held while a HEAD renders
// the scrape, so a destructor that has erased its entry never races one.
struct HeadRoutes {
  absl::Mutex mutex;
  absl::flat_hash_map<int, const MetricsEndpoint*> by_port
      ABSL_GUARDED_BY(mutex);
};

HeadRoutes& Routes() {
  static HeadRoutes* const routes = new HeadRoutes;  // never destroyed
  return *routes;
}

// civetweb gives each connection a worker thread until its request is read.
// With prometheus-cpp's default (2 threads, civetweb's 30 s read timeout) two
// connections that send half a request held /metrics for 30 s at a time. A
// request is a few hundred bytes, so 2 s to send it is plenty; 16 workers
// leave room for scrapes while others hold some.
constexpr char kWorkerThreads[] = "16";
constexpr char kRequestTimeoutMs[] = "2000";

}  // namespace

int MetricsEndpoint::BeginRequest(struct mg_connection* connection) {
  const mg_request_info* request = mg_get_request_info(connection);
  if (request == nullptr || request->request_method == nullptr ||
      request->local_uri == nullptr ||
      std::strcmp(request->request_method, "HEAD") != 0 ||
      std::strcmp(request->local_uri, "/metrics") != 0) {
    return 0;  // civetweb (and prometheus-cpp's GET handler) carry on
  }
  size_t length = 0;
  {
    HeadRoutes& routes = Routes();
    absl::MutexLock lock(&routes.mutex);
    auto it = routes.by_port.find(request->server_port);
    if (it == routes.by_port.end()) return 0;
    length = it->second->Render().size();
  }
  // The headers prometheus-cpp's GET sends, and the length its body would have
  // (less its own exposer_* series, which change with every request anyway).
  mg_printf(connection,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            length);
  return 200;
}

std::string MetricsEndpoint::Render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  std::vector<prometheus::MetricFamily> process = process_->Collect();
  families.insert(families.end(), std::make_move_iterator(process.begin()),
                  std::make_move_iterator(process.end()));
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, families);
  return text.str();
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address,
    std::shared_ptr<prometheus::Registry> registry) {
  if (absl::Status valid = CheckAddress(address); !valid.ok()) return valid;
  std::unique_ptr<prometheus::Exposer> exposer;
  // prometheus-cpp reports a failed bind by throwing; nothing else here
  // throws, and nothing of ours sees the exception.
  static const CivetCallbacks kCallbacks = [] {
    CivetCallbacks callbacks;
    callbacks.begin_request = &MetricsEndpoint::BeginRequest;
    return callbacks;
  }();
  try {
    exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", address, "num_threads",
                                 kWorkerThreads, "request_timeout_ms",
                                 kRequestTimeoutMs},
        &kCallbacks);
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on ", address,
        " (in use, or not an address of this machine): ", error.what()));
  }
  if (!IsLoopbackAddress(address)) {
    util::LogWarning(
        "metrics on ", address,
        " are reachable from the network, without authentication: bind "
        "--metrics_listen to loopback, or let only the scraper reach it");
  }
  auto process = std::make_shared<ProcessCollector>();
  exposer->RegisterCollectable(registry);
  exposer->RegisterCollectable(process);
  std::vector<int> ports = exposer->GetListeningPorts();
  const int port = ports.empty() ? 0 : ports.front();
  auto endpoint = std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(
      std::move(exposer), std::move(registry), std::move(process), port));
  HeadRoutes& routes = Routes();
  absl::MutexLock lock(&routes.mutex);
  routes.by_port[port] = endpoint.get();
  return endpoint;
}

bool MetricsEndpoint::IsLoopbackAddress(const std::string& address) {
  const std::string host = address.substr(0, address.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" ||
         host == "[::1]";
}

MetricsEndpoint::MetricsEndpoint(
    std::unique_ptr<prometheus::Exposer> exposer,
    std::shared_ptr<prometheus::Registry> registry,
    std::shared_ptr<prometheus::Collectable> process, int port)
    : exposer_(std::move(exposer)),
      registry_(std::move(registry)),
      process_(std::move(process)),
      port_(port) {}

MetricsEndpoint::~MetricsEndpoint() {
  {
    HeadRoutes& routes = Routes();
    absl::MutexLock lock(&routes.mutex);
    auto it = routes.by_port.find(port_);
    if (it != routes.by_port.end() && it->second == this) {
      routes.by_port.erase(it);
    }
  }
  // Stops civetweb's threads before the collectables go.
  exposer_.reset();
}

}  // namespace claimd::metrics
