#include "service/metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace claimd::metrics {
namespace {

std::optional<std::string> ReadAll(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

prometheus::MetricFamily Family(std::string name, std::string help,
                                prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{
      std::move(name), std::move(help), type, {std::move(metric)}};
}

// Entries of /proc/self/fd, the descriptor used to list it excluded.
std::optional<double> OpenFds() {
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/self/fd", error);
  if (error) return std::nullopt;
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return std::nullopt;
    ++count;
  }
  // The iterator's own descriptor is one of the entries.
  return count > 0 ? count - 1 : 0;
}

std::optional<double> StartTimeSeconds(long ticks_per_second) {
  std::optional<std::string> self = ReadAll("/proc/self/stat");
  std::optional<std::string> system = ReadAll("/proc/stat");
  if (!self || !system || ticks_per_second <= 0) return std::nullopt;
  std::optional<ProcStat> stat = ParseProcStat(*self);
  std::optional<long long> boot = ParseBootTime(*system);
  if (!stat || !boot) return std::nullopt;
  return static_cast<double>(*boot) +
         static_cast<double>(stat->start_ticks_since_boot) / ticks_per_second;
}

}  // namespace

std::optional<ProcStat> ParseProcStat(const std::string& text) {
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  // After ")": field 3 (state) onwards, so field N is fields[N - 3].
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(text).substr(paren + 1), ' ', absl::SkipWhitespace());
  if (fields.size() < 22) return std::nullopt;
  ProcStat stat;
  if (!absl::SimpleAtoi(fields[14 - 3], &stat.utime_ticks) ||
      !absl::SimpleAtoi(fields[15 - 3], &stat.stime_ticks) ||
      !absl::SimpleAtoi(fields[22 - 3], &stat.start_ticks_since_boot) ||
      !absl::SimpleAtoi(fields[23 - 3], &stat.vsize_bytes) ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(fields[24 - 3]),
                        &stat.rss_pages)) {
    return std::nullopt;
  }
  return stat;
}

std::optional<long long> ParseBootTime(const std::string& proc_stat) {
  for (absl::string_view line : absl::StrSplit(proc_stat, '\n')) {
    if (absl::ConsumePrefix(&line, "btime ")) {
      long long seconds = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &seconds)) {
        return seconds;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

ProcessCollector::ProcessCollector()
    : ticks_per_second_(sysconf(_SC_CLK_TCK)),
      page_bytes_(sysconf(_SC_PAGESIZE)),
      start_time_seconds_(StartTimeSeconds(ticks_per_second_)) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  std::optional<std::string> text = ReadAll("/proc/self/stat");
  std::optional<ProcStat> stat =
      text ? ParseProcStat(*text) : std::optional<ProcStat>();
  if (stat && ticks_per_second_ > 0) {
    families.push_back(Family(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.", MetricType::Counter,
        static_cast<double>(stat->utime_ticks + stat->stime_ticks) /
            ticks_per_second_));
  }
  if (stat && page_bytes_ > 0) {
    families.push_back(Family("process_resident_memory_bytes",
                              "Resident memory size in bytes.",
                              MetricType::Gauge,
                              static_cast<double>(stat->rss_pages) *
                                  static_cast<double>(page_bytes_)));
  }
  if (stat) {
    families.push_back(
        Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
               MetricType::Gauge, static_cast<double>(stat->vsize_bytes)));
  }
  if (std::optional<double> open = OpenFds()) {
    families.push_back(Family("process_open_fds",
                              "Number of open file descriptors.",
                              MetricType::Gauge, *open));
  }
  if (struct rlimit limit; getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(Family("process_max_fds",
                              "Maximum number of open file descriptors.",
                              MetricType::Gauge,
                              limit.rlim_cur == RLIM_INFINITY
                                  ? std::numeric_limits<double>::infinity()
                                  : static_cast<double>(limit.rlim_cur)));
  }
  if (start_time_seconds_) {
    families.push_back(
        Family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.",
               MetricType::Gauge, *start_time_seconds_));
  }
  return families;
}

}  // namespace claimd::metrics
