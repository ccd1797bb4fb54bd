#include "tests/bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace claimd::bench {

int LatencyHistogram::BucketOf(uint64_t micros) {
  if (micros < kLinear) return static_cast<int>(micros);
  const int msb = 63 - std::countl_zero(micros);  // >= 6
  const int shift = msb - 5;                      // keeps 6 significant bits
  const int sub = static_cast<int>(micros >> shift) - kSubBuckets;
  return std::min(kBuckets - 1, kLinear + (msb - 6) * kSubBuckets + sub);
}

uint64_t LatencyHistogram::UpperBoundMicros(int bucket) {
  if (bucket < kLinear) return static_cast<uint64_t>(bucket);
  const int msb = 6 + (bucket - kLinear) / kSubBuckets;
  const int sub = (bucket - kLinear) % kSubBuckets;
  const int shift = msb - 5;
  return ((static_cast<uint64_t>(kSubBuckets + sub + 1)) << shift) - 1;
}

void LatencyHistogram::Record(absl::Duration latency) {
  const int64_t micros = absl::ToInt64Microseconds(latency);
  buckets_[BucketOf(micros < 0 ? 0 : static_cast<uint64_t>(micros))].fetch_add(
      1, std::memory_order_relaxed);
}

uint64_t LatencyHistogram::count() const {
  uint64_t total = 0;
  for (const auto& bucket : buckets_)
    total += bucket.load(std::memory_order_relaxed);
  return total;
}

absl::Duration LatencyHistogram::Percentile(double fraction) const {
  const uint64_t total = count();
  if (total == 0) return absl::ZeroDuration();
  // The rank of the sample at `fraction`, 1-based.
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(
             std::llround(fraction * static_cast<double>(total))));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank)
      return absl::Microseconds(static_cast<int64_t>(UpperBoundMicros(i)));
  }
  return absl::Microseconds(
      static_cast<int64_t>(UpperBoundMicros(kBuckets - 1)));
}

void LatencyHistogram::Reset() {
  for (auto& bucket : buckets_) bucket.store(0, std::memory_order_relaxed);
}

}  // namespace claimd::bench
