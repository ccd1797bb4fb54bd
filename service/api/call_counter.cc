#include "service/api/call_counter.h"

#include <algorithm>
#include <chrono>

namespace claimd::api {

void CallCounter::Add() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++count_;
}

void CallCounter::Remove() {
  bool zero;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    zero = --count_ == 0;
  }
  if (zero) zero_.notify_all();
}

bool CallCounter::WaitForZero(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  timeout = std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365));
  return zero_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [this] { return count_ == 0; });
}

int64_t CallCounter::count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

}  // namespace claimd::api
