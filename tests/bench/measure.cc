#include "tests/bench/measure.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace claimd::bench {

Measurement MeasureWrites(const WriteLoadResult& result,
                          const LatencyHistogram& latency) {
  Measurement m;
  m.rate = result.ops_per_second();
  m.p50_ms = absl::ToDoubleMilliseconds(latency.Percentile(0.50));
  m.p99_ms = absl::ToDoubleMilliseconds(latency.Percentile(0.99));
  m.p999_ms = absl::ToDoubleMilliseconds(latency.Percentile(0.999));
  if (result.failed > 0)
    m.note = absl::StrCat(result.failed, " failed: ", result.first_error);
  m.failed = result.failed > 0;
  return m;
}

void PrintProgress(const std::string& what) {
  std::cerr << absl::FormatTime("%H:%M:%S ", absl::Now(), absl::UTCTimeZone())
            << what << "\n";
}

}  // namespace claimd::bench
