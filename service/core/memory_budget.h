// MemoryBudget: a byte count shared by many holders, with a ceiling. Used to
// bound what all WatchClaims snapshots together may hold in memory: a stream
// charges what it reads and releases what it has sent, and a stream that would
// pass the ceiling is refused (RESOURCE_EXHAUSTED) instead of growing the heap.
//
// Thread-safety: all methods may be called concurrently (one atomic).
#ifndef CLAIMD_SERVICE_CORE_MEMORY_BUDGET_H_
#define CLAIMD_SERVICE_CORE_MEMORY_BUDGET_H_

#include <atomic>
#include <cstddef>

namespace claimd::core {

class MemoryBudget {
 public:
  // 0: no ceiling (TryAcquire always succeeds; use() still counts).
  explicit MemoryBudget(size_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Takes `bytes` if that keeps the total within the limit.
  bool TryAcquire(size_t bytes) {
    size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (limit_ != 0 && (bytes > limit_ || used > limit_ - bytes)) {
        return false;
      }
    } while (!used_.compare_exchange_weak(used, used + bytes,
                                          std::memory_order_relaxed));
    return true;
  }
  // Gives back `bytes` taken earlier.
  void Release(size_t bytes) {
    used_.fetch_sub(bytes, std::memory_order_relaxed);
  }

  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_MEMORY_BUDGET_H_
