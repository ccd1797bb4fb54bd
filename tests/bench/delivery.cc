#include "tests/bench/delivery.h"

#include <algorithm>
#include <utility>

namespace claimd::bench {

void DeliverySink::OnEvent(int64_t revision, absl::Time received) {
  delivered_.fetch_add(1, std::memory_order_relaxed);
  const int64_t received_nanos = absl::ToUnixNanos(received);
  int64_t last = last_receipt_.load(std::memory_order_relaxed);
  while (last < received_nanos &&
         !last_receipt_.compare_exchange_weak(last, received_nanos,
                                              std::memory_order_relaxed)) {
  }
  if (acks_ == nullptr) return;
  const int64_t acked = acks_->AckNanos(revision);
  if (acked == 0 || acked > received_nanos)
    before_ack_.fetch_add(1, std::memory_order_relaxed);
  latency_.Record(acked == 0 ? absl::ZeroDuration()
                             : absl::Nanoseconds(received_nanos - acked));
}

void DeliverySink::Reset() {
  latency_.Reset();
  delivered_.store(0, std::memory_order_relaxed);
  before_ack_.store(0, std::memory_order_relaxed);
  last_receipt_.store(0, std::memory_order_relaxed);
}

bool WatchStream::AwaitDone(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  return mutex_.AwaitWithTimeout(absl::Condition(&done_), timeout);
}

std::string WatchStream::error() {
  absl::MutexLock lock(&mutex_);
  return error_;
}

void WatchStream::Deliver(int64_t revision, absl::Time received,
                          DeliverySink& sink) {
  if (expected_ > 0 && revision < expected_) {
    duplicated_.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (expected_ > 0 && revision > expected_)
      lost_.fetch_add(revision - expected_, std::memory_order_relaxed);
    expected_ = revision + 1;
  }
  sink.OnEvent(revision, received);
  int64_t last = last_revision_.load(std::memory_order_relaxed);
  while (last < revision && !last_revision_.compare_exchange_weak(
                                last, revision, std::memory_order_release)) {
  }
}

void WatchStream::NoteDone(std::string error) {
  ended_.store(true, std::memory_order_release);
  absl::MutexLock lock(&mutex_);
  error_ = std::move(error);
  done_ = true;
}

}  // namespace claimd::bench
