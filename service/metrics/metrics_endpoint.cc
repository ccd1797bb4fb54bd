#include "service/metrics/metrics_endpoint.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "service/core/log.h"

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

// civetweb gives each connection a worker thread until its request is read.
// With prometheus-cpp's default (2 threads, civetweb's 30 s read timeout) two
// connections that send half a request held /metrics for 30 s at a time. A
// request is a few hundred bytes, so 2 s to send it is plenty; 16 workers
// leave room for scrapes while others hold some.
constexpr char kWorkerThreads[] = "16";
constexpr char kRequestTimeoutMs[] = "2000";

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address,
    std::shared_ptr<prometheus::Registry> registry) {
  if (absl::Status valid = CheckAddress(address); !valid.ok()) return valid;
  std::unique_ptr<prometheus::Exposer> exposer;
  // prometheus-cpp reports a failed bind by throwing; nothing else here
  // throws, and nothing of ours sees the exception.
  try {
    exposer = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
        "listening_ports", address, "num_threads", kWorkerThreads,
        "request_timeout_ms", kRequestTimeoutMs});
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on ", address,
        " (in use, or not an address of this machine): ", error.what()));
  }
  if (!IsLoopbackAddress(address)) {
    core::LogWarning(
        "metrics on ", address,
        " are reachable from the network, without authentication: bind "
        "--metrics_listen to loopback, or let only the scraper reach it");
  }
  exposer->RegisterCollectable(registry);
  std::vector<int> ports = exposer->GetListeningPorts();
  const int port = ports.empty() ? 0 : ports.front();
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(std::move(exposer), std::move(registry), port));
}

bool MetricsEndpoint::IsLoopbackAddress(const std::string& address) {
  const std::string host = address.substr(0, address.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" ||
         host == "[::1]";
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer,
                                 std::shared_ptr<prometheus::Registry> registry,
                                 int port)
    : exposer_(std::move(exposer)),
      registry_(std::move(registry)),
      port_(port) {}

MetricsEndpoint::~MetricsEndpoint() = default;

}  // namespace claimd::metrics
