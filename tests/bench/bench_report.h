// The results of one claimbench run: a row per (workload, system, setup), each
// holding every trial, printed as one Markdown table of per-column medians
// (so docs/BENCHMARKS.md can embed the output as is), followed by ratios
// between rows.
//
// Thread-safety: none; the main thread builds and prints the report.
#ifndef CLAIMD_TESTS_BENCH_BENCH_REPORT_H_
#define CLAIMD_TESTS_BENCH_BENCH_REPORT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace claimd::bench {

// One trial. A figure that was not measured is nullopt.
struct Measurement {
  std::optional<double> rate;  // per second, unit in the row
  std::optional<double> p50_ms;
  std::optional<double> p99_ms;
  std::optional<double> p999_ms;
  std::optional<double> extra;  // unit in the row (RSS, seconds, ...)
  // Fan-out rows: the writes/s the writer achieved beside the watchers.
  std::optional<double> write_rate;
  std::string note;     // errors and other remarks, printed once
  bool failed = false;  // calls failed or watchers missed events
};

struct ResultRow {
  std::string workload;  // "write", "fanout", ...
  std::string system;    // "claimd", "etcd", "ceiling"
  std::string setup;     // "UpdateClaimStatus, 64 in flight, 4 channels"
  std::string rate_unit;
  std::string extra_unit;
  std::vector<Measurement> trials;

  // Each figure is the median of the trials that measured it; notes are
  // joined.
  Measurement Median() const;
};

class BenchReport {
 public:
  // Returns the added row, to append trials to.
  ResultRow& Add(ResultRow row);
  // The first row with this workload, system and setup prefix, if any.
  const ResultRow* Find(const std::string& workload, const std::string& system,
                        const std::string& setup_prefix = "") const;
  void PrintTable(std::ostream& out) const;
  // Whether any trial of any row failed.
  bool AnyFailed() const;

 private:
  std::vector<ResultRow> rows_;
};

// "12,345" / "1.23" style formatting for the table.
std::string FormatFigure(std::optional<double> value);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_BENCH_REPORT_H_
