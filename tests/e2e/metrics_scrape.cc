#include "tests/e2e/metrics_scrape.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/e2e/http_get.h"

namespace claimd::e2e {

int MetricsPort(const std::string& stderr_text) {
  const std::string marker = "metrics on ";
  size_t at = stderr_text.rfind(marker);
  if (at == std::string::npos) return 0;
  at = stderr_text.find("(port ", at);
  const size_t end = stderr_text.find(')', at);
  int port = 0;
  if (at == std::string::npos || end == std::string::npos ||
      !absl::SimpleAtoi(stderr_text.substr(at + 6, end - at - 6), &port))
    return 0;
  return port;
}

absl::StatusOr<Scrape> ScrapeMetrics(int port) {
  absl::StatusOr<HttpResponse> response = HttpGet(port, "/metrics");
  if (!response.ok()) return response.status();
  if (response->status != 200 ||
      !absl::StartsWith(response->content_type, "text/plain")) {
    return absl::InternalError(
        absl::StrCat("HTTP ", response->status, " ", response->content_type));
  }
  return ParsePrometheusText(response->body);
}

absl::StatusOr<Scrape> ScrapeUntil(
    int port, const std::function<bool(const Scrape&)>& done,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<Scrape> scrape = ScrapeMetrics(port);
    if (!scrape.ok() || done(*scrape) || absl::Now() > deadline) return scrape;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

}  // namespace claimd::e2e
