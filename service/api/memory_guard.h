// MemoryGuard: claimd's memory ceiling (--max_rss_mib). gRPC 1.51's HTTP/2
// layer can be made to allocate without bound by unauthenticated clients
// (rapid reset, CONTINUATION floods: gigabytes in seconds), outside anything
// its resource quota counts, so the only measure that bounds it from inside
// the process is the process's own resident memory. A thread samples it
// (/proc/self/statm) every interval:
// - above the ceiling, on_change(true) (claimd: health NOT_SERVING) and
//   over_ceiling() is true (claimd: new calls get RESOURCE_EXHAUSTED); below
//   it again, on_change(false);
// - above exit_factor times the ceiling, or above the ceiling for exit_after
//   without interruption (gRPC rarely returns memory it took), on_exit with
//   the reason: claimd logs it and exits with code 3 for its supervisor to
//   restart it, instead of taking the host's memory.
//
// Thread-safety: over_ceiling() may be called from any thread. The callbacks
// run on the guard's thread. Construct and destroy from one thread.
#ifndef CLAIMD_SERVICE_API_MEMORY_GUARD_H_
#define CLAIMD_SERVICE_API_MEMORY_GUARD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "service/util/stop_signal.h"

namespace claimd::api {

struct MemoryGuardOptions {
  int64_t ceiling_bytes = 0;  // 0: no guard (Start returns null)
  absl::Duration interval = absl::Milliseconds(100);
  double exit_factor = 1.5;
  absl::Duration exit_after = absl::Seconds(60);
  std::function<void(bool over)> on_change;
  std::function<void(const std::string& reason)> on_exit;  // null: never
  // The resident set in bytes; defaults to reading /proc/self/statm.
  std::function<int64_t()> read_rss;
};

class MemoryGuard {
 public:
  explicit MemoryGuard(MemoryGuardOptions options);
  ~MemoryGuard();  // stops and joins the thread
  MemoryGuard(const MemoryGuard&) = delete;
  MemoryGuard& operator=(const MemoryGuard&) = delete;

  bool over_ceiling() const { return over_.load(std::memory_order_relaxed); }

  // The process's resident set in bytes (0 when /proc cannot be read).
  static int64_t ProcessRss();

 private:
  void Loop();

  const MemoryGuardOptions options_;
  std::atomic<bool> over_{false};
  // The sampling thread sleeps on it: a monotonic wait, so a clock step
  // neither stretches nor cuts the sampling interval.
  util::StopSignal stop_;
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_MEMORY_GUARD_H_
