// HealthService: claimd's grpc.health.v1.Health (Check and Watch), in place of
// gRPC's default health service, which cannot bound its Watch streams (an
// unauthenticated client opened 120,000 of them: 2.2 GB). Semantics are the
// standard ones: Check answers SERVING or NOT_SERVING, or NOT_FOUND for an
// unknown service; Watch sends the current status at once (SERVICE_UNKNOWN
// for an unknown service) and then every change, until the client cancels or
// the server stops. What is added:
// - Watch streams are leased from a quota, in total and per client host:
//   beyond it Watch ends at once with RESOURCE_EXHAUSTED (Check is not
//   limited: it holds nothing);
// - conditions (SetCondition) that turn every service NOT_SERVING whatever
//   was set for it, such as claimd being over its memory ceiling or its
//   listener having stopped accepting.
// It also is the server's HealthCheckServiceInterface, so StoreHealthMonitor
// and shutdown drive it the way they drove gRPC's.
//
// Thread-safety: every method may be called from any thread. Lock order: the
// service's mutex, then a watch stream's own. The service must outlive the
// grpc::Server it is registered with (its streams end when the server stops).
#ifndef CLAIMD_SERVICE_API_HEALTH_SERVICE_H_
#define CLAIMD_SERVICE_API_HEALTH_SERVICE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "service/auth/watcher_quota.h"

namespace claimd::api {

class HealthService final : public grpc::health::v1::Health::CallbackService,
                            public grpc::HealthCheckServiceInterface {
 public:
  // Conditions that make every service NOT_SERVING while set.
  enum class Condition : uint32_t {
    kMemoryOverCeiling = 1,
    kListenerFailed = 2,
  };

  // Limits of open Watch streams, in total and per client host (0:
  // unlimited).
  HealthService(int64_t max_watchers, int64_t max_watchers_per_host);
  HealthService(const HealthService&) = delete;
  HealthService& operator=(const HealthService&) = delete;

  // grpc::HealthCheckServiceInterface. A name set once stays known. After
  // Shutdown every service is NOT_SERVING and further calls change nothing.
  void SetServingStatus(const std::string& service_name, bool serving) override;
  void SetServingStatus(bool serving) override;  // every known service
  void Shutdown() override;

  void SetCondition(Condition condition, bool active);

  // Open Watch streams.
  int64_t watchers();

  // grpc.health.v1.Health.
  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

  class WatchReactor;  // health_service.cc

 private:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  ServingStatus StatusLocked(const std::string& service) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void NotifyAllLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Registers a stream and sends it the current status.
  void AddWatcher(WatchReactor* watcher);
  void RemoveWatcher(WatchReactor* watcher);

  auth::WatcherQuota quota_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, bool> serving_ ABSL_GUARDED_BY(mutex_);
  uint32_t conditions_ ABSL_GUARDED_BY(mutex_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mutex_) = false;
  absl::flat_hash_set<WatchReactor*> watchers_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_HEALTH_SERVICE_H_
