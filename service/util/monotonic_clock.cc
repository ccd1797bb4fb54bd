#include "service/util/monotonic_clock.h"

#include <chrono>

namespace claimd::util {
namespace {

class SteadyClock : public MonotonicClock {
 public:
  absl::Duration Now() const override {
    return absl::FromChrono(
        std::chrono::steady_clock::now().time_since_epoch());
  }
};

}  // namespace

const MonotonicClock& MonotonicClock::Real() {
  static const SteadyClock* const clock = new SteadyClock();
  return *clock;
}

}  // namespace claimd::util
