// Capped exponential backoff with jitter, as a pure function.
//
// Used by ClaimClient (retrying UNAVAILABLE unary calls) and WatchFollower
// (reconnecting a dropped watch). The randomness is an argument so tests get
// exact delays:
//
//   BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5), 2.0, 0.2};
//   absl::Duration d =
//       BackoffDelay(policy, /*retry=*/3, absl::Uniform(gen, 0.0, 1.0));
//   // 100ms * 2^3 = 800ms, scaled by a factor in [0.8, 1.2), at most 5s.
//
// Thread-safety: stateless.
#ifndef CLAIMD_CLIENT_BACKOFF_H_
#define CLAIMD_CLIENT_BACKOFF_H_

#include "absl/time/time.h"

namespace claimd::client {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration maximum = absl::Seconds(5);
  double multiplier = 2.0;
  // The delay is scaled by a factor drawn from [1 - jitter, 1 + jitter).
  double jitter = 0.2;
};

// The delay before retry number `retry` (0 for the first retry): initial *
// multiplier^retry, capped at maximum, then jittered with `random01` in [0, 1)
// and capped at maximum again. Never negative.
absl::Duration BackoffDelay(const BackoffPolicy& policy, int retry,
                            double random01);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_BACKOFF_H_
