#include "service/api/memory_guard.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/util/log.h"

namespace claimd::api {

MemoryGuard::MemoryGuard(MemoryGuardOptions options)
    : options_(std::move(options)), thread_([this] { Loop(); }) {}

MemoryGuard::~MemoryGuard() {
  stop_.Stop();
  thread_.join();
}

int64_t MemoryGuard::ProcessRss() {
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  long size = 0, resident = 0;
  // Two page counts, far from long's range; a short read is checked below.
  // NOLINTNEXTLINE(bugprone-unchecked-string-to-number-conversion)
  const int read = std::fscanf(statm, "%ld %ld", &size, &resident);
  std::fclose(statm);
  return read == 2 ? int64_t{resident} * sysconf(_SC_PAGESIZE) : 0;
}

void MemoryGuard::Loop() {
  std::function<int64_t()> read_rss = options_.read_rss;
  if (!read_rss) read_rss = &ProcessRss;
  const int64_t exit_bytes =
      static_cast<int64_t>(options_.ceiling_bytes * options_.exit_factor);
  // Monotonic: a clock step must not shorten or stretch exit_after.
  std::chrono::steady_clock::time_point over_since{};
  for (;;) {
    if (stop_.WaitFor(options_.interval)) return;
    const int64_t rss = read_rss();
    const bool over = rss > options_.ceiling_bytes;
    const auto now = std::chrono::steady_clock::now();
    if (over != over_.load(std::memory_order_relaxed)) {
      over_.store(over, std::memory_order_relaxed);
      if (over) over_since = now;
      util::LogWarning(over ? "memory ceiling: resident memory "
                            : "memory ceiling: back to ",
                       rss >> 20, " MiB, ceiling ",
                       options_.ceiling_bytes >> 20, " MiB (--max_rss_mib)",
                       over ? "; refusing new calls, health NOT_SERVING" : "");
      if (options_.on_change) options_.on_change(over);
    }
    if (!options_.on_exit || !over) continue;
    if (rss > exit_bytes) {
      options_.on_exit(absl::StrCat("memory ceiling: resident memory ",
                                    rss >> 20, " MiB is over ",
                                    options_.exit_factor, "x --max_rss_mib (",
                                    exit_bytes >> 20, " MiB)"));
      return;
    }
    if (now - over_since >= absl::ToChronoNanoseconds(options_.exit_after)) {
      options_.on_exit(absl::StrCat(
          "memory ceiling: resident memory stayed over --max_rss_mib (",
          options_.ceiling_bytes >> 20, " MiB) for ",
          absl::FormatDuration(options_.exit_after), " (now ", rss >> 20,
          " MiB)"));
      return;
    }
  }
}

}  // namespace claimd::api
