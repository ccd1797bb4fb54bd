#include "service/api/health_service.h"

#include <optional>
#include <utility>

#include "service/api/call_gate.h"

namespace claimd::api {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch stream. Ownership protocol (the shape of gRPC's own health
// WatchReactor): gRPC owns the reactor from Watch() until OnDone, which
// unregisters it from the service and deletes it. At most one write is in
// flight; a status that changes meanwhile is sent when it completes (only the
// latest one: a watcher needs the current status, not every flip). Finish is
// called once (finished_), and never while a write is in flight (a finish
// asked for meanwhile waits in finish_status_ for OnWriteDone), as gRPC's own
// health service does.
class HealthService::WatchReactor final
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  // A stream that holds `lease` and follows `service`.
  WatchReactor(HealthService* health, std::string service,
               auth::WatcherQuota::Lease lease)
      : health_(health),
        service_(std::move(service)),
        lease_(std::move(lease)) {}

  // A stream refused at once with `status`.
  explicit WatchReactor(const grpc::Status& status) : health_(nullptr) {
    absl::MutexLock lock(&mutex_);
    FinishLocked(status);
  }

  const std::string& service() const { return service_; }

  // Called with the service's mutex held.
  void Update(ServingStatus status) {
    absl::MutexLock lock(&mutex_);
    pending_ = status;
    if (!write_in_flight_) WriteLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mutex_);
    write_in_flight_ = false;
    if (finish_status_.has_value()) {
      finished_ = true;
      Finish(*finish_status_);
      return;
    }
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    WriteLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mutex_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    if (health_ != nullptr) health_->RemoveWatcher(this);
    delete this;
  }

 private:
  void WriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finished_ || finish_status_.has_value() || pending_ == sent_) return;
    sent_ = pending_;
    response_.set_status(sent_);
    write_in_flight_ = true;
    StartWrite(&response_);
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finished_ || finish_status_.has_value()) return;
    if (write_in_flight_) {
      finish_status_ = status;
      return;
    }
    finished_ = true;
    Finish(status);
  }

  HealthService* const health_;  // null for a refused stream
  const std::string service_;
  const auth::WatcherQuota::Lease lease_;
  absl::Mutex mutex_;
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;
  std::optional<grpc::Status> finish_status_ ABSL_GUARDED_BY(mutex_);
  bool write_in_flight_ ABSL_GUARDED_BY(mutex_) = false;
  // Nothing is sent until Update; UNKNOWN is never a status we report.
  ServingStatus pending_ ABSL_GUARDED_BY(mutex_) = HealthCheckResponse::UNKNOWN;
  ServingStatus sent_ ABSL_GUARDED_BY(mutex_) = HealthCheckResponse::UNKNOWN;
  HealthCheckResponse response_ ABSL_GUARDED_BY(mutex_);
};

HealthService::HealthService(int64_t max_watchers,
                             int64_t max_watchers_per_host)
    : quota_(max_watchers, max_watchers_per_host) {}

void HealthService::SetServingStatus(const std::string& service_name,
                                     bool serving) {
  absl::MutexLock lock(&mutex_);
  if (shut_down_) return;
  serving_[service_name] = serving;
  NotifyAllLocked();
}

void HealthService::SetServingStatus(bool serving) {
  absl::MutexLock lock(&mutex_);
  if (shut_down_) return;
  for (auto& [name, value] : serving_) value = serving;
  NotifyAllLocked();
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mutex_);
  shut_down_ = true;
  NotifyAllLocked();
}

void HealthService::SetCondition(Condition condition, bool active) {
  absl::MutexLock lock(&mutex_);
  const uint32_t bit = static_cast<uint32_t>(condition);
  conditions_ = active ? (conditions_ | bit) : (conditions_ & ~bit);
  NotifyAllLocked();
}

int64_t HealthService::watchers() { return quota_.total(); }

HealthService::ServingStatus HealthService::StatusLocked(
    const std::string& service) const {
  auto it = serving_.find(service);
  if (it == serving_.end()) return HealthCheckResponse::SERVICE_UNKNOWN;
  return it->second && !shut_down_ && conditions_ == 0
             ? HealthCheckResponse::SERVING
             : HealthCheckResponse::NOT_SERVING;
}

void HealthService::NotifyAllLocked() {
  // Status changes are rare (start, store failures, shutdown); every watcher
  // is told, and one that has nothing new writes nothing.
  for (WatchReactor* watcher : watchers_) {
    watcher->Update(StatusLocked(watcher->service()));
  }
}

void HealthService::AddWatcher(WatchReactor* watcher) {
  absl::MutexLock lock(&mutex_);
  watchers_.insert(watcher);
  watcher->Update(StatusLocked(watcher->service()));
}

void HealthService::RemoveWatcher(WatchReactor* watcher) {
  absl::MutexLock lock(&mutex_);
  watchers_.erase(watcher);
}

grpc::ServerUnaryReactor* HealthService::Check(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request,
    HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ServingStatus status;
  {
    absl::MutexLock lock(&mutex_);
    status = StatusLocked(request->service());
  }
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
  } else {
    response->set_status(status);
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request) {
  {
    absl::MutexLock lock(&mutex_);
    if (conditions_ & static_cast<uint32_t>(Condition::kMemoryOverCeiling)) {
      return new WatchReactor(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          "claimd is over its memory ceiling (--max_rss_mib); use Check"));
    }
  }
  absl::StatusOr<auth::WatcherQuota::Lease> lease =
      quota_.Acquire(PeerHost(context->peer()));
  if (!lease.ok()) {
    return new WatchReactor(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "too many open health Watch streams (--max_health_watchers in all, "
        "--max_health_watchers_per_host per client host); use Check, or "
        "retry later"));
  }
  auto* watcher = new WatchReactor(this, request->service(), *std::move(lease));
  AddWatcher(watcher);
  return watcher;
}

}  // namespace claimd::api
