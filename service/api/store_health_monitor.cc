#include "service/api/store_health_monitor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/util/log.h"
#include "service/util/monotonic_clock.h"

namespace claimd::api {

StoreHealthMonitor::StoreHealthMonitor(
    core::ClaimStore* store, grpc::HealthCheckServiceInterface* health,
    std::vector<std::string> services, absl::Duration interval,
    core::WatchHub* hub, absl::Duration end_watches_after)
    : store_(store),
      health_(health),
      services_(std::move(services)),
      interval_(interval),
      hub_(hub),
      end_watches_after_(end_watches_after) {
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
    FollowWithWatches(health);
  }
}

void StoreHealthMonitor::FollowWithWatches(const absl::Status& health) {
  if (hub_ == nullptr || end_watches_after_ == absl::InfiniteDuration()) return;
  const absl::Duration now = util::MonotonicClock::Real().Now();
  if (health.ok()) {
    unhealthy_since_ = absl::InfiniteDuration();
    if (watches_ended_) {
      util::LogInfo("the store is reachable again: watches wait for changes");
      hub_->SetUnavailable(absl::OkStatus());
      watches_ended_ = false;
    }
    return;
  }
  if (unhealthy_since_ == absl::InfiniteDuration()) unhealthy_since_ = now;
  if (watches_ended_ || now - unhealthy_since_ < end_watches_after_) return;
  util::LogWarning("the store has been unreachable for ",
                   absl::FormatDuration(end_watches_after_),
                   ": ending watches, so that they resume on another replica");
  hub_->SetUnavailable(absl::UnavailableError(
      absl::StrCat("this replica has not reached its store for ",
                   absl::FormatDuration(
                       absl::Trunc(now - unhealthy_since_, absl::Seconds(1))),
                   " (", health.message(), ")")));
  watches_ended_ = true;
}

void StoreHealthMonitor::Report(bool serving) {
  serving_ = serving;
  for (const std::string& service : services_)
    health_->SetServingStatus(service, serving);
}

}  // namespace claimd::api
