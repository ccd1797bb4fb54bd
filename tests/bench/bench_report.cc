#include "tests/bench/bench_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace claimd::bench {
namespace {

std::optional<double> MedianOf(const std::vector<Measurement>& trials,
                               std::optional<double> Measurement::*field) {
  std::vector<double> values;
  for (const Measurement& trial : trials) {
    if ((trial.*field).has_value()) values.push_back(*(trial.*field));
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

// Thousands separators for integers, so rates read at a glance.
std::string GroupThousands(int64_t value) {
  std::string digits = absl::StrCat(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

}  // namespace

std::string FormatFigure(std::optional<double> value) {
  if (!value.has_value()) return "–";
  const double v = *value;
  if (std::fabs(v) >= 100) return GroupThousands(std::llround(v));
  if (std::fabs(v) >= 10) return absl::StrFormat("%.1f", v);
  return absl::StrFormat("%.2f", v);
}

Measurement ResultRow::Median() const {
  Measurement median;
  median.rate = MedianOf(trials, &Measurement::rate);
  median.p50_ms = MedianOf(trials, &Measurement::p50_ms);
  median.p99_ms = MedianOf(trials, &Measurement::p99_ms);
  median.p999_ms = MedianOf(trials, &Measurement::p999_ms);
  median.extra = MedianOf(trials, &Measurement::extra);
  median.write_rate = MedianOf(trials, &Measurement::write_rate);
  std::vector<std::string> notes;
  for (const Measurement& trial : trials) {
    if (!trial.note.empty() &&
        std::find(notes.begin(), notes.end(), trial.note) == notes.end())
      notes.push_back(trial.note);
  }
  median.note = absl::StrJoin(notes, "; ");
  return median;
}

ResultRow& BenchReport::Add(ResultRow row) {
  rows_.push_back(std::move(row));
  return rows_.back();
}

const ResultRow* BenchReport::Find(const std::string& workload,
                                   const std::string& system,
                                   const std::string& setup_prefix) const {
  for (const ResultRow& row : rows_) {
    if (row.workload == workload && row.system == system &&
        row.setup.compare(0, setup_prefix.size(), setup_prefix) == 0)
      return &row;
  }
  return nullptr;
}

bool BenchReport::AnyFailed() const {
  for (const ResultRow& row : rows_) {
    for (const Measurement& trial : row.trials) {
      if (trial.failed) return true;
    }
  }
  return false;
}

void BenchReport::PrintTable(std::ostream& out) const {
  out << "| workload | system | setup | rate | unit | p50 ms | p99 ms | "
         "p99.9 ms | other | trials | notes |\n"
      << "|---|---|---|---:|---|---:|---:|---:|---|---:|---|\n";
  for (const ResultRow& row : rows_) {
    const Measurement m = row.Median();
    std::string extra = "–";
    if (m.extra.has_value())
      extra = absl::StrCat(FormatFigure(m.extra), " ", row.extra_unit);
    out << "| " << row.workload << " | " << row.system << " | " << row.setup
        << " | " << FormatFigure(m.rate) << " | " << row.rate_unit << " | "
        << FormatFigure(m.p50_ms) << " | " << FormatFigure(m.p99_ms) << " | "
        << FormatFigure(m.p999_ms) << " | " << extra << " | "
        << row.trials.size() << " | " << m.note << " |\n";
  }
}

}  // namespace claimd::bench
