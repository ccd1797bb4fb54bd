// CallCounter: how many RPCs (unary calls and watch streams) are still running,
// so shutdown can wait for exactly those and no longer. (gRPC's own
// Server::Shutdown with a deadline also waits on idle client connections, which
// can take the whole grace period when nothing is in flight.) Thread-safety:
// all methods may be called from any thread.
#ifndef CLAIMD_SERVICE_API_CALL_COUNTER_H_
#define CLAIMD_SERVICE_API_CALL_COUNTER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace claimd::api {

class CallCounter {
 public:
  void Add();
  void Remove();
  // True when the count reached zero within `timeout`, measured on the
  // monotonic clock (a wall-clock step neither cuts nor stretches the
  // shutdown grace period).
  bool WaitForZero(absl::Duration timeout);
  int64_t count();

 private:
  // std::mutex and a steady_clock condition variable: absl::Mutex's timed
  // waits follow the wall clock (core/stop_signal.h).
  std::mutex mutex_;
  std::condition_variable zero_;
  int64_t count_ = 0;  // under mutex_
};

// A unary reactor that is counted from creation until gRPC is completely done
// with the call (OnDone), i.e. after its response has been sent.
class CountedUnaryReactor : public grpc::ServerUnaryReactor {
 public:
  explicit CountedUnaryReactor(CallCounter* counter) : counter_(counter) {
    counter_->Add();
  }
  void OnDone() override {
    counter_->Remove();
    delete this;
  }

 private:
  CallCounter* const counter_;
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_CALL_COUNTER_H_
