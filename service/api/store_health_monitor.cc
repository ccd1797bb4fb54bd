#include "service/api/store_health_monitor.h"

#include <utility>

#include "service/core/log.h"

namespace claimd::api {

StoreHealthMonitor::StoreHealthMonitor(
    core::ClaimStore* store, grpc::HealthCheckServiceInterface* health,
    std::vector<std::string> services, absl::Duration interval)
    : store_(store),
      health_(health),
      services_(std::move(services)),
      interval_(interval),
      thread_([this] { Loop(); }) {}

StoreHealthMonitor::~StoreHealthMonitor() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  thread_.join();
}

void StoreHealthMonitor::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mutex_);
      if (mutex_.AwaitWithTimeout(absl::Condition(&stopping_), interval_))
        return;
    }
    absl::Status health = store_->Health();
    // Reported failing: find out whether the disk is back without waiting for
    // a client's write.
    if (!health.ok() && !serving_) health = store_->ProbeHealth();
    if (health.ok() != serving_) {
      if (health.ok()) {
        core::LogInfo("the store commits again: SERVING");
      } else {
        core::LogWarning("the store cannot commit (", health.message(),
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
