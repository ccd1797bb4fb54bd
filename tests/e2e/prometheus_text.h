// A strict parser of the Prometheus text exposition format (0.0.4), for tests
// that scrape claimd's /metrics: it rejects what a Prometheus server would
// reject (bad names, bad label syntax or escapes, values that are not floats,
// a TYPE after its samples or given twice, duplicate series) and also checks
// histograms (every series has cumulative _bucket lines with increasing le up
// to +Inf, and the +Inf bucket equals _count).
//
//   ASSERT_OK_AND_ASSIGN(Scrape scrape, ParsePrometheusText(body));
//   double n = scrape.Value("claimd_claims", {{"status", "REPORTED"}});
//
// Thread-safety: pure functions; a Scrape is a value.
#ifndef CLAIMD_TESTS_E2E_PROMETHEUS_TEXT_H_
#define CLAIMD_TESTS_E2E_PROMETHEUS_TEXT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::e2e {

using Labels = std::map<std::string, std::string>;

struct Scrape {
  // Series key (SeriesKey) -> value.
  std::map<std::string, double> samples;
  // Family name -> its TYPE.
  std::map<std::string, std::string> types;

  bool Has(const std::string& name, const Labels& labels = {}) const;
  // The sample's value; 0 when the series is absent (a counter not yet
  // incremented does not appear).
  double Value(const std::string& name, const Labels& labels = {}) const;
};

// `name{a="1",b="2"}` with labels sorted by name (`name` when none).
std::string SeriesKey(const std::string& name, const Labels& labels);

// Errors: INVALID_ARGUMENT naming the line and what is wrong with it.
absl::StatusOr<Scrape> ParsePrometheusText(absl::string_view text);

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_PROMETHEUS_TEXT_H_
