#include "service/api/call_counter.h"

namespace claimd::api {

void CallCounter::Add() {
  absl::MutexLock lock(&mutex_);
  ++count_;
}

void CallCounter::Remove() {
  absl::MutexLock lock(&mutex_);
  --count_;
}

bool CallCounter::WaitForZero(absl::Time deadline) {
  absl::MutexLock lock(&mutex_);
  auto zero = [this]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return count_ == 0; };
  return mutex_.AwaitWithDeadline(absl::Condition(&zero), deadline);
}

int64_t CallCounter::count() {
  absl::MutexLock lock(&mutex_);
  return count_;
}

}  // namespace claimd::api
