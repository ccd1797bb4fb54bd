// StoreHealthMonitor: makes the gRPC health service follow the store. It
// probes once before reporting anything (ClaimStore::ProbeHealth: a durable
// commit of a typical write's size that changes nothing visible), so a claimd
// started on a full disk never says SERVING. While the store cannot commit
// (ClaimStore::Health is an error: disk full, a failed fsync) every service
// reports NOT_SERVING; the monitor then probes each interval and reports
// SERVING again only after a probe commits, so one small commit squeezing into
// a nearly full disk does not flip it back while real writes still fail.
//
// With a hub and `end_watches_after` finite (claimd over etcd, where other
// replicas can serve), a store unhealthy for that long also ends the watches
// at the head of this replica's hub (WatchHub::SetUnavailable), so that their
// clients resume on a replica that still reaches it; healthy again, it lets
// watches wait again.
//
// Thread-safety: owns one thread; construct and destroy from one thread. The
// store and the health service must outlive the monitor; destroy it before the
// server shuts health checking down.
#ifndef CLAIMD_SERVICE_API_STORE_HEALTH_MONITOR_H_
#define CLAIMD_SERVICE_API_STORE_HEALTH_MONITOR_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/health_check_service_interface.h"
#include "service/core/claim_store.h"
#include "service/core/watch_hub.h"
#include "service/util/stop_signal.h"

namespace claimd::api {

class StoreHealthMonitor {
 public:
  // `services`: the names whose status follows the store ("" is the server as
  // a whole).
  StoreHealthMonitor(
      core::ClaimStore* store, grpc::HealthCheckServiceInterface* health,
      std::vector<std::string> services, absl::Duration interval,
      core::WatchHub* hub = nullptr,
      absl::Duration end_watches_after = absl::InfiniteDuration());
  ~StoreHealthMonitor();  // stops and joins the thread
  StoreHealthMonitor(const StoreHealthMonitor&) = delete;
  StoreHealthMonitor& operator=(const StoreHealthMonitor&) = delete;

 private:
  void Loop();
  void Report(bool serving);
  // Ends or lets watches wait again, per `health` (the monitor thread's).
  void FollowWithWatches(const absl::Status& health);

  core::ClaimStore* const store_;
  grpc::HealthCheckServiceInterface* const health_;
  const std::vector<std::string> services_;
  const absl::Duration interval_;
  bool serving_ = false;       // what was reported last; the monitor thread's
  core::WatchHub* const hub_;  // null: watches are left alone
  const absl::Duration end_watches_after_;
  // The monitor thread's: when the store was first seen unhealthy in the
  // current run (monotonic clock; InfiniteDuration: healthy), and whether the
  // hub's watches were ended for it.
  absl::Duration unhealthy_since_ = absl::InfiniteDuration();
  bool watches_ended_ = false;

  util::StopSignal stop_;  // waits on the monotonic clock
  std::thread thread_;     // last: starts after everything above is built
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_STORE_HEALTH_MONITOR_H_
