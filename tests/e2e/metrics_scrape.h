// Reading a real claimd's metrics in end-to-end tests: the port claimd logged
// for its /metrics endpoint, one strict scrape (prometheus_text.h), and scrapes
// repeated until a condition holds.
//
//   ClaimdHarness claimd(dir.File("data"), dir.path(),
//                        {"--metrics_listen=127.0.0.1:0"});
//   int port = MetricsPort(claimd.Stderr());
//   absl::StatusOr<Scrape> scrape = ScrapeUntil(port, [](const Scrape& s) {
//     return s.Value("claimd_watchers_active") == 0;
//   });
//
// Thread-safety: free functions, safe from any thread.
#ifndef CLAIMD_TESTS_E2E_METRICS_SCRAPE_H_
#define CLAIMD_TESTS_E2E_METRICS_SCRAPE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/e2e/prometheus_text.h"

namespace claimd::e2e {

// The metrics port claimd last logged ("... (port N) at /metrics"; a harness
// keeps the stderr of every start); 0 if none.
int MetricsPort(const std::string& stderr_text);

// GET /metrics, which must answer 200 with text/plain that parses strictly.
absl::StatusOr<Scrape> ScrapeMetrics(int port);

// Scrapes until `done` holds or `timeout` has passed; returns the last scrape
// (the caller checks it) or the first failed one.
absl::StatusOr<Scrape> ScrapeUntil(
    int port, const std::function<bool(const Scrape&)>& done,
    absl::Duration timeout = absl::Seconds(10));

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_METRICS_SCRAPE_H_
