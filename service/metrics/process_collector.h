// ProcessCollector: the standard process_* series every Prometheus client
// library exports (the names, units and help of client_golang's process
// collector), read from /proc/self at scrape time, so restarts, CPU use,
// memory growth and file-handle exhaustion can be alerted on:
//
//   process_cpu_seconds_total       user + system CPU time, seconds (counter)
//   process_resident_memory_bytes   resident set size, bytes
//   process_virtual_memory_bytes    virtual memory size, bytes
//   process_open_fds                open file descriptors
//   process_max_fds                 the soft RLIMIT_NOFILE
//   process_start_time_seconds      start time since the Unix epoch, seconds
//
// A value /proc cannot give (another OS, a restricted /proc) is left out of
// the scrape rather than reported as 0.
// Thread-safety: Collect may run on several threads at once (it only reads
// /proc and immutable members).
#ifndef CLAIMD_SERVICE_METRICS_PROCESS_COLLECTOR_H_
#define CLAIMD_SERVICE_METRICS_PROCESS_COLLECTOR_H_

#include <optional>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace claimd::metrics {

// The fields of /proc/PID/stat the collector uses, in the units the kernel
// gives them (clock ticks, bytes, pages).
struct ProcStat {
  unsigned long long utime_ticks = 0;
  unsigned long long stime_ticks = 0;
  unsigned long long start_ticks_since_boot = 0;
  unsigned long long vsize_bytes = 0;
  long long rss_pages = 0;
};

// Parses the text of /proc/PID/stat; nullopt when it is malformed. The command
// name (field 2) may hold spaces and parentheses: fields are counted after the
// last ')'.
std::optional<ProcStat> ParseProcStat(const std::string& text);

// The "btime" line of /proc/stat: boot time, seconds since the epoch.
std::optional<long long> ParseBootTime(const std::string& proc_stat);

class ProcessCollector final : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const long ticks_per_second_;
  const long page_bytes_;
  // Fixed for the life of the process: computed once.
  const std::optional<double> start_time_seconds_;
};

}  // namespace claimd::metrics

#endif  // CLAIMD_SERVICE_METRICS_PROCESS_COLLECTOR_H_
