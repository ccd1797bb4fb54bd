// ProcessCollector: the /proc parsers on fixed texts (a command name with
// spaces and parentheses, malformed input) and the live process's series.
#include "service/metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace claimd::metrics {
namespace {

// /proc/PID/stat of a process whose name is "a) b (c": fields counted after
// the last ')'. utime 1500, stime 500, starttime 12345, vsize 1 GiB, rss 2560.
constexpr char kStat[] =
    "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1500 500 0 0 20 0 "
    "3 0 12345 1073741824 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 "
    "0 17 1 0 0 0 0 0\n";

TEST(ParseProcStat, CountsFieldsAfterTheLastParenthesis) {
  std::optional<ProcStat> stat = ParseProcStat(kStat);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->utime_ticks, 1500u);
  EXPECT_EQ(stat->stime_ticks, 500u);
  EXPECT_EQ(stat->start_ticks_since_boot, 12345u);
  EXPECT_EQ(stat->vsize_bytes, 1073741824u);
  EXPECT_EQ(stat->rss_pages, 2560);
}

TEST(ParseProcStat, RejectsMalformedText) {
  EXPECT_FALSE(ParseProcStat("").has_value());
  EXPECT_FALSE(ParseProcStat("4242 (claimd S 1 2 3").has_value());
  EXPECT_FALSE(ParseProcStat("4242 (claimd) S 1 2 3").has_value());
  std::string bad = kStat;
  bad.replace(bad.find("1500"), 4, "15x0");
  EXPECT_FALSE(ParseProcStat(bad).has_value());
}

TEST(ParseBootTime, ReadsTheBtimeLine) {
  EXPECT_EQ(
      ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1765000000\nprocesses 9\n"),
      1765000000);
  EXPECT_FALSE(ParseBootTime("cpu  1 2 3\n").has_value());
  EXPECT_FALSE(ParseBootTime("btime soon\n").has_value());
}

std::map<std::string, prometheus::MetricFamily> Scrape() {
  std::map<std::string, prometheus::MetricFamily> by_name;
  for (prometheus::MetricFamily& family : ProcessCollector().Collect()) {
    by_name[family.name] = family;
  }
  return by_name;
}

double Value(const prometheus::MetricFamily& family) {
  return family.type == prometheus::MetricType::Counter
             ? family.metric.at(0).counter.value
             : family.metric.at(0).gauge.value;
}

TEST(ProcessCollector, ReportsThisProcess) {
  std::map<std::string, prometheus::MetricFamily> families = Scrape();
  ASSERT_THAT(families,
              ::testing::SizeIs(6));  // all six, on Linux with /proc
  EXPECT_EQ(families["process_cpu_seconds_total"].type,
            prometheus::MetricType::Counter);
  EXPECT_GE(Value(families["process_cpu_seconds_total"]), 0);
  EXPECT_GT(Value(families["process_resident_memory_bytes"]), 1 << 20);
  EXPECT_GE(Value(families["process_virtual_memory_bytes"]),
            Value(families["process_resident_memory_bytes"]));
  const double started = Value(families["process_start_time_seconds"]);
  EXPECT_GT(started, 1.6e9);                     // after 2020
  EXPECT_LE(started, std::time(nullptr) + 1.0);  // not in the future
  struct rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(Value(families["process_max_fds"]),
            static_cast<double>(limit.rlim_cur));
}

TEST(ProcessCollector, CountsOpenDescriptors) {
  const double before = Value(Scrape()["process_open_fds"]);
  FILE* opened[3];
  for (FILE*& file : opened) file = std::fopen("/dev/null", "r");
  const double during = Value(Scrape()["process_open_fds"]);
  for (FILE* file : opened) std::fclose(file);
  EXPECT_EQ(during, before + 3);
}

}  // namespace
}  // namespace claimd::metrics
