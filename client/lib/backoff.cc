#include "claimd/client/backoff.h"

#include <algorithm>

namespace claimd::client {

absl::Duration BackoffDelay(const BackoffPolicy& policy, int retry,
                            double random01) {
  absl::Duration delay = policy.initial;
  for (int i = 0; i < retry && delay < policy.maximum; ++i) {
    delay = delay * policy.multiplier;
  }
  delay = std::min(delay, policy.maximum);
  const double factor = 1.0 - policy.jitter + 2.0 * policy.jitter * random01;
  delay = std::min(delay * std::max(factor, 0.0), policy.maximum);
  return std::max(delay, absl::ZeroDuration());
}

}  // namespace claimd::client
