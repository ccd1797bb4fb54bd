#include "service/api/store_health_monitor.h"

#include <utility>

#include "service/util/log.h"

namespace claimd::api {

StoreHealthMonitor::StoreHealthMonitor(
    core::ClaimStore* store, grpc::HealthCheckServiceInterface* health,
    std::vector<std::string> services, absl::Duration interval)
    : store_(store),
      health_(health),
      services_(std::move(services)),
      interval_(interval) {
  // Before the first report: SERVING only once a write of realistic size has
  // committed.
  absl::Status probe = store_->ProbeHealth();
  if (!probe.ok()) {
    util::LogWarning("the store cannot commit (", probe.message(),
                     "): NOT_SERVING until it can");
  }
  Report(probe.ok());
  thread_ = std::thread([this] { Loop(); });
}

StoreHealthMonitor::~StoreHealthMonitor() {
  stop_.Stop();
  thread_.join();
}

void StoreHealthMonitor::Loop() {
  while (!stop_.WaitFor(interval_)) {
    absl::Status health = store_->Health();
    // While reported failing, only a probe (or a client's write) that commits
    // brings SERVING back: the store's Health() turns OK after any successful
    // commit, and the probe is sized like a real write.
    if (!serving_) health = store_->ProbeHealth();
    if (health.ok() != serving_) {
      if (health.ok()) {
        util::LogInfo("the store commits again: SERVING");
      } else {
        util::LogWarning("the store cannot commit (", health.message(),
                         "): NOT_SERVING until it can");
      }
      Report(health.ok());
    }
  }
}

void StoreHealthMonitor::Report(bool serving) {
  serving_ = serving;
  for (const std::string& service : services_)
    health_->SetServingStatus(service, serving);
}

}  // namespace claimd::api
