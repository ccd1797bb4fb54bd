// ClaimServer: the running gRPC server: ClaimService, health checking
// (grpc.health.v1), server reflection and the watch machinery's threads.
// History compaction is not the server's: core::HistoryCompactor runs beside
// it. main.cc builds one from flags; tests build one on 127.0.0.1:0.
//
// Shutdown order (SIGTERM): health says NOT_SERVING; every watch ends with
// UNAVAILABLE and its resume revision; the server stops accepting and waits for
// in-flight calls up to the grace period; then the caller closes the store,
// which commits what is queued. Thread-safety: Shutdown may be called from any
// thread, once or more.
#ifndef CLAIMD_SERVICE_API_SERVER_H_
#define CLAIMD_SERVICE_API_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "service/api/call_gate.h"
#include "service/api/claim_service.h"
#include "service/api/health_service.h"
#include "service/api/memory_guard.h"
#include "service/api/store_health_monitor.h"
#include "service/api/stream_registry.h"
#include "service/api/transport.h"
#include "service/api/unary_deadline.h"
#include "service/api/watch_reactor.h"
#include "service/auth/authenticator.h"
#include "service/auth/watcher_quota.h"
#include "service/core/claim_store.h"
#include "service/core/memory_budget.h"
#include "service/core/metrics.h"
#include "service/core/watch_hub.h"
#include "service/util/monotonic_clock.h"
#include "service/util/stop_signal.h"
#include "service/util/thread_pool.h"

namespace claimd::api {

struct ServerOptions {
  std::string listen_address = "127.0.0.1:50051";
  WatchOptions watch;
  // Page sizes and filter bounds, for every method of the service.
  core::RequestLimits request_limits;
  int catch_up_threads = 2;
  int fanout_threads = 2;
  // Threads that run GetClaim, ListClaims and ListClaimEvents; 0 runs them on
  // gRPC's callback thread, right for a store that answers from local memory
  // or disk (SQLite). A store whose reads wait on the network (etcd) needs
  // them: gRPC 1.51 has only a few callback threads, and a read blocked there
  // stalls every call behind it (and concurrent reads could not share one
  // etcd round trip).
  int read_threads = 0;
  int max_receive_message_bytes = 4 << 20;
  // Not owned; must outlive the server. nullptr: nothing is recorded.
  core::Metrics* metrics = nullptr;
  // Sent as `claimd-version` initial metadata on every response
  // (call_interceptor.h), e.g. "0.1.0 (1a2b3c4d5e6f)"; "" sends none.
  std::string version;

  // Security and abuse limits (transport.h, call_gate.h). The defaults are
  // plaintext, no authentication, no watcher limit.
  std::shared_ptr<grpc::ServerCredentials> credentials;  // null: plaintext
  const auth::Authenticator* authenticator = nullptr;    // null: auth off
  TransportLimits transport;
  int64_t max_watchers = 0;               // 0: unlimited
  int64_t max_watchers_per_identity = 0;  // 0: unlimited
  // The server's own bound on how long a write keeps its caller waiting
  // (unary_deadline.h). The defaults set none.
  UnaryDeadlineOptions unary_deadlines;
  // How often health checking looks at (and, while failing, probes) the
  // store: see store_health_monitor.h.
  absl::Duration store_health_interval = absl::Seconds(1);
  // A store unhealthy this long ends the watches at the head, so that their
  // clients resume on another replica (store_health_monitor.h). Infinite (the
  // default, and SQLite's: there is no other replica): never.
  absl::Duration end_watches_after_unhealthy = absl::InfiniteDuration();
  // Open grpc.health.v1 Watch streams, in total and per client host
  // (health_service.h); 0: unlimited.
  int64_t max_health_watchers = 0;
  int64_t max_health_watchers_per_host = 0;
  // The memory ceiling (memory_guard.h): resident bytes above which new calls
  // are refused and health is NOT_SERVING; 0: none. on_memory_exit (may be
  // null) is the last resort when memory keeps growing past it.
  int64_t max_rss_bytes = 0;
  std::function<void(const std::string& reason)> on_memory_exit;
  // What watch streams measure progress_interval on; not owned (tests inject
  // a util::ManualMonotonicClock).
  const util::MonotonicClock* clock = &util::MonotonicClock::Real();
};

class ClaimServer {
 public:
  // Binds and starts serving. `store` and `hub` (the store's CommitObserver)
  // are not owned and must outlive the server. Errors: UNAVAILABLE when the
  // address cannot be bound (in use, or not an address of this machine).
  static absl::StatusOr<std::unique_ptr<ClaimServer>> Start(
      const ServerOptions& options, core::ClaimStore* store,
      core::WatchHub* hub);
  ~ClaimServer();
  ClaimServer(const ClaimServer&) = delete;
  ClaimServer& operator=(const ClaimServer&) = delete;

  // The port actually bound (useful with port 0).
  int port() const { return port_; }

  // Stops serving as described above; returns when the server has stopped.
  void Shutdown(absl::Duration grace);

  // grpc.health.v1 as served (e.g. to report that the listener failed).
  HealthService& health() { return *health_; }

 private:
  ClaimServer(const ServerOptions& options, core::WatchHub* hub);
  // Wakes idle watchers for progress messages until Shutdown.
  void TickerLoop();

  const ServerOptions options_;
  core::WatchHub* const hub_;
  util::ThreadPool catch_up_pool_;
  util::ThreadPool fanout_pool_;
  std::unique_ptr<util::ThreadPool> read_pool_;  // null: reads run inline
  CallCounter call_counter_;
  auth::WatcherQuota watcher_quota_;
  // Before call_gate_ (which reads the guard) and server_ (whose calls use
  // both); the guard reports to health_.
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<MemoryGuard> memory_guard_;
  CallGate call_gate_;
  // Open streams re-checked on every credentials reload; outlives server_.
  StreamRegistry stream_registry_;
  // What all initial snapshots together may hold (watch_reactor.h).
  core::MemoryBudget snapshot_budget_;
  DeadlineTimer deadline_timer_;  // outlives service_, whose calls use it
  std::unique_ptr<ClaimServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<StoreHealthMonitor> store_health_;
  int port_ = 0;

  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool stopped_ ABSL_GUARDED_BY(mutex_) = false;
  // Set when Shutdown begins; the ticker's waits (on the monotonic clock).
  util::StopSignal stop_;
  std::thread ticker_;
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_SERVER_H_
