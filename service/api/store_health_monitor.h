// StoreHealthMonitor: makes the gRPC health service follow the store. While
// the store cannot commit (ClaimStore::Health is an error: disk full, a failed
// fsync) every service reports NOT_SERVING; the monitor then probes the store
// each interval (ClaimStore::ProbeHealth: one durable commit that changes
// nothing visible) and reports SERVING again after the first commit that
// succeeds, be it the probe or a client's write.
//
// Thread-safety: owns one thread; construct and destroy from one thread. The
// store and the health service must outlive the monitor; destroy it before the
// server shuts health checking down.
#ifndef CLAIMD_SERVICE_API_STORE_HEALTH_MONITOR_H_
#define CLAIMD_SERVICE_API_STORE_HEALTH_MONITOR_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/health_check_service_interface.h"
#include "service/core/claim_store.h"

namespace claimd::api {

class StoreHealthMonitor {
 public:
  // `services`: the names whose status follows the store ("" is the server as
  // a whole).
  StoreHealthMonitor(core::ClaimStore* store,
                     grpc::HealthCheckServiceInterface* health,
                     std::vector<std::string> services,
                     absl::Duration interval);
  ~StoreHealthMonitor();  // stops and joins the thread
  StoreHealthMonitor(const StoreHealthMonitor&) = delete;
  StoreHealthMonitor& operator=(const StoreHealthMonitor&) = delete;

 private:
  void Loop();
  void Report(bool serving);

  core::ClaimStore* const store_;
  grpc::HealthCheckServiceInterface* const health_;
  const std::vector<std::string> services_;
  const absl::Duration interval_;
  bool serving_ = true;  // what was reported last; the monitor thread's

  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_STORE_HEALTH_MONITOR_H_
