#include "tests/e2e/prometheus_text.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace claimd::e2e {
namespace {

bool IsMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsLabelName(absl::string_view name) {
  return IsMetricName(name) && !absl::StrContains(name, ':');
}

// Go's strconv.ParseFloat, which Prometheus uses: decimal or exponent
// notation, and Inf/NaN spelled in any case with an optional sign.
bool ParseValue(absl::string_view text, double* value) {
  std::string lower = absl::AsciiStrToLower(text);
  absl::string_view bare = lower;
  const bool negative = absl::ConsumePrefix(&bare, "-");
  if (!negative) absl::ConsumePrefix(&bare, "+");
  if (bare == "inf") {
    *value = negative ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (bare == "nan") {
    *value = std::nan("");
    return true;
  }
  if (bare.empty() || !(absl::ascii_isdigit(bare[0]) || bare[0] == '.'))
    return false;
  return absl::SimpleAtod(text, value) && std::isfinite(*value);
}

absl::Status LineError(int number, absl::string_view line,
                       absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", number, " (", line, "): ", what));
}

// Parses `{a="x",b="y"}` at the start of `rest` (consumed).
absl::StatusOr<Labels> ParseLabels(absl::string_view& rest) {
  Labels labels;
  rest.remove_prefix(1);  // '{'
  while (true) {
    if (absl::ConsumePrefix(&rest, "}")) return labels;
    size_t eq = rest.find('=');
    if (eq == absl::string_view::npos)
      return absl::InvalidArgumentError("label without '='");
    std::string name(rest.substr(0, eq));
    if (!IsLabelName(name))
      return absl::InvalidArgumentError(
          absl::StrCat("bad label name \"", name, "\""));
    rest.remove_prefix(eq + 1);
    if (!absl::ConsumePrefix(&rest, "\""))
      return absl::InvalidArgumentError("label value is not quoted");
    std::string value;
    while (true) {
      if (rest.empty())
        return absl::InvalidArgumentError("unterminated label value");
      const char c = rest[0];
      rest.remove_prefix(1);
      if (c == '"') break;
      if (c == '\n') return absl::InvalidArgumentError("newline in label");
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      if (rest.empty()) return absl::InvalidArgumentError("dangling escape");
      const char escaped = rest[0];
      rest.remove_prefix(1);
      if (escaped == 'n') {
        value.push_back('\n');
      } else if (escaped == '\\' || escaped == '"') {
        value.push_back(escaped);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("bad escape \\", std::string(1, escaped)));
      }
    }
    if (!labels.emplace(name, std::move(value)).second)
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", name, "\" given twice"));
    if (!absl::ConsumePrefix(&rest, ",") && !absl::StartsWith(rest, "}"))
      return absl::InvalidArgumentError("expected ',' or '}' after a label");
  }
}

// The family a sample name belongs to, given the TYPEs seen so far.
std::string FamilyOf(const std::string& name,
                     const std::map<std::string, std::string>& types) {
  for (absl::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (!absl::EndsWith(name, suffix)) continue;
    std::string base = name.substr(0, name.size() - suffix.size());
    auto it = types.find(base);
    if (it == types.end()) continue;
    if (it->second == "histogram" ||
        (it->second == "summary" && suffix != "_bucket"))
      return base;
  }
  return name;
}

}  // namespace

bool Scrape::Has(const std::string& name, const Labels& labels) const {
  return samples.contains(SeriesKey(name, labels));
}

double Scrape::Value(const std::string& name, const Labels& labels) const {
  auto it = samples.find(SeriesKey(name, labels));
  return it == samples.end() ? 0 : it->second;
}

std::string SeriesKey(const std::string& name, const Labels& labels) {
  std::string key = name;
  if (labels.empty()) return key;
  key.push_back('{');
  bool first = true;
  for (const auto& [label, value] : labels) {
    absl::StrAppend(&key, first ? "" : ",", label, "=\"", value, "\"");
    first = false;
  }
  key.push_back('}');
  return key;
}

absl::StatusOr<Scrape> ParsePrometheusText(absl::string_view text) {
  Scrape scrape;
  std::set<std::string> families_with_samples;
  std::set<std::string> helped;
  // Histogram series (family + labels but le) -> buckets in order of
  // appearance, and their _count.
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  std::map<std::string, double> counts;
  if (!text.empty() && !absl::EndsWith(text, "\n"))
    return absl::InvalidArgumentError("the last line has no newline");
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    if (absl::StartsWith(line, "#")) {
      std::vector<absl::string_view> parts =
          absl::StrSplit(line, absl::MaxSplits(' ', 3));
      if (parts.size() < 3 || (parts[1] != "HELP" && parts[1] != "TYPE"))
        continue;  // a plain comment
      const std::string name(parts[2]);
      if (!IsMetricName(name)) return LineError(number, line, "bad name");
      if (parts[1] == "HELP") {
        if (!helped.insert(name).second)
          return LineError(number, line, "second HELP for the family");
        continue;
      }
      if (parts.size() != 4)
        return LineError(number, line, "TYPE without a type");
      const std::string type(parts[3]);
      if (type != "counter" && type != "gauge" && type != "histogram" &&
          type != "summary" && type != "untyped")
        return LineError(number, line, "unknown type");
      if (families_with_samples.contains(name))
        return LineError(number, line, "TYPE after the family's samples");
      if (!scrape.types.emplace(name, type).second)
        return LineError(number, line, "second TYPE for the family");
      continue;
    }
    // name[{labels}] value [timestamp]
    absl::string_view rest = line;
    size_t name_end = 0;
    while (name_end < rest.size() && rest[name_end] != '{' &&
           rest[name_end] != ' ')
      ++name_end;
    const std::string name(rest.substr(0, name_end));
    if (!IsMetricName(name)) return LineError(number, line, "bad metric name");
    rest.remove_prefix(name_end);
    Labels labels;
    if (absl::StartsWith(rest, "{")) {
      absl::StatusOr<Labels> parsed = ParseLabels(rest);
      if (!parsed.ok())
        return LineError(number, line, parsed.status().message());
      labels = *std::move(parsed);
    }
    if (!absl::ConsumePrefix(&rest, " "))
      return LineError(number, line, "no space before the value");
    std::vector<absl::string_view> fields = absl::StrSplit(rest, ' ');
    double value = 0;
    if (fields.empty() || fields.size() > 2 || !ParseValue(fields[0], &value))
      return LineError(number, line, "the value is not a float");
    int64_t timestamp = 0;
    if (fields.size() == 2 && !absl::SimpleAtoi(fields[1], &timestamp))
      return LineError(number, line, "the timestamp is not an integer");

    const std::string family = FamilyOf(name, scrape.types);
    families_with_samples.insert(family);
    const std::string key = SeriesKey(name, labels);
    if (!scrape.samples.emplace(key, value).second)
      return LineError(number, line, "duplicate series");

    auto type = scrape.types.find(family);
    if (type == scrape.types.end() || type->second != "histogram") continue;
    Labels without_le = labels;
    without_le.erase("le");
    const std::string series = SeriesKey(family, without_le);
    if (absl::EndsWith(name, "_bucket")) {
      double le = 0;
      if (!labels.contains("le") || !ParseValue(labels["le"], &le))
        return LineError(number, line, "bucket without a numeric le");
      std::vector<std::pair<double, double>>& list = buckets[series];
      if (!list.empty() &&
          (le <= list.back().first || value < list.back().second))
        return LineError(number, line,
                         "buckets must have increasing le and cumulative "
                         "counts");
      list.emplace_back(le, value);
    } else if (absl::EndsWith(name, "_count")) {
      counts[series] = value;
    }
  }
  for (const auto& [series, list] : buckets) {
    if (list.empty() || !std::isinf(list.back().first))
      return absl::InvalidArgumentError(
          absl::StrCat(series, ": no le=\"+Inf\" bucket"));
    auto count = counts.find(series);
    if (count == counts.end() || count->second != list.back().second)
      return absl::InvalidArgumentError(absl::StrCat(
          series,
          ": the +Inf bucket differs from _count or _count is missing"));
  }
  for (const auto& [series, count] : counts) {
    (void)count;
    if (!buckets.contains(series))
      return absl::InvalidArgumentError(
          absl::StrCat(series, ": a histogram _count without buckets"));
  }
  return scrape;
}

}  // namespace claimd::e2e
