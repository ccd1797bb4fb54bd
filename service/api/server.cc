#include "service/api/server.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/health_check_service_server_builder_option.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "service/api/call_interceptor.h"
#include "service/util/log.h"
#include "service/util/monotonic_clock.h"

namespace claimd::api {
namespace {

constexpr char kServiceName[] = "claims.v1.ClaimService";

}  // namespace

ClaimServer::ClaimServer(const ServerOptions& options, core::WatchHub* hub)
    : options_(options),
      hub_(hub),
      catch_up_pool_(options.catch_up_threads),
      fanout_pool_(options.fanout_threads),
      read_pool_(options.read_threads > 0
                     ? std::make_unique<util::ThreadPool>(options.read_threads)
                     : nullptr),
      watcher_quota_(options.max_watchers, options.max_watchers_per_identity),
      health_(std::make_unique<HealthService>(
          options.max_health_watchers, options.max_health_watchers_per_host)),
      memory_guard_(
          options.max_rss_bytes > 0
              ? std::make_unique<MemoryGuard>(MemoryGuardOptions{
                    .ceiling_bytes = options.max_rss_bytes,
                    .on_change =
                        [health = health_.get()](bool over) {
                          health->SetCondition(
                              HealthService::Condition::kMemoryOverCeiling,
                              over);
                        },
                    .on_exit = options.on_memory_exit})
              : nullptr),
      call_gate_(options.authenticator, &watcher_quota_, memory_guard_.get()),
      stream_registry_(&call_gate_),
      snapshot_budget_(options.watch.snapshot_memory_bytes) {}

absl::StatusOr<std::unique_ptr<ClaimServer>> ClaimServer::Start(
    const ServerOptions& options, core::ClaimStore* store,
    core::WatchHub* hub) {
  std::unique_ptr<ClaimServer> server(new ClaimServer(options, hub));
  core::Metrics* metrics =
      options.metrics != nullptr ? options.metrics : &core::NoMetrics();
  server->service_ = std::make_unique<ClaimServiceImpl>(
      ServiceDependencies{.store = store,
                          .hub = hub,
                          .catch_up_pool = &server->catch_up_pool_,
                          .fanout_pool = &server->fanout_pool_,
                          .read_pool = server->read_pool_.get(),
                          .counter = &server->call_counter_,
                          .watch = options.watch,
                          .request_limits = options.request_limits,
                          .metrics = metrics,
                          .streams = &server->stream_registry_,
                          .snapshot_budget = &server->snapshot_budget_,
                          .clock = options.clock},
      &server->call_gate_, options.unary_deadlines, &server->deadline_timer_);

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address,
                           options.credentials != nullptr
                               ? options.credentials
                               : grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterService(server->service_.get());
  // Ours instead of gRPC's default health service (health_service.h); the
  // null option keeps gRPC from adding its own even if some code enabled it.
  builder.RegisterService(server->health_.get());
  builder.SetOption(
      std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // A second claimd on the same port must fail loudly instead of sharing it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Request ids, per-call log lines and RPC metrics (call_interceptor.h).
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<CallInterceptorFactory>(metrics, options.version));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  ApplyTransportLimits(options.transport, builder);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen_address,
        ": the address is in use or is not an address of this machine"));
  }
  HealthService* health = server->health_.get();
  // NOT_SERVING until the monitor's first probe has committed.
  health->SetServingStatus("", false);
  health->SetServingStatus(kServiceName, false);
  server->store_health_ = std::make_unique<StoreHealthMonitor>(
      store, health, std::vector<std::string>{"", kServiceName},
      options.store_health_interval, hub, options.end_watches_after_unhealthy);
  server->ticker_ = std::thread([raw = server.get()] { raw->TickerLoop(); });
  return server;
}

ClaimServer::~ClaimServer() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

void ClaimServer::TickerLoop() {
  // Progress ticks come at half the progress interval, so an idle watcher hears
  // from the server at least every 1.5 intervals. The wait is on the monotonic
  // clock (StopSignal): a wall clock set back must not silence idle watchers.
  const absl::Duration progress_tick =
      std::max(options_.watch.progress_interval / 2, absl::Milliseconds(10));
  while (!stop_.WaitFor(progress_tick)) hub_->WakeAll();
}

void ClaimServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mutex_);
    if (stopping_) {
      auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return stopped_;
      };
      mutex_.Await(absl::Condition(&stopped));
      return;
    }
    stopping_ = true;
  }
  stop_.Stop();
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration deadline = clock.Now() + grace;
  service_->StartDraining();
  store_health_.reset();  // stops it before health checking shuts down
  health_->Shutdown();    // every service: NOT_SERVING
  hub_->Shutdown();
  if (!call_counter_.WaitForZero(deadline - clock.Now())) {
    util::LogWarning(
        call_counter_.count(),
        " calls did not finish within the grace period; cancelling them");
  }
  // Nothing we answer is still running (or the grace period is over). A short
  // tail lets calls that arrived meanwhile get their UNAVAILABLE rather than be
  // cut off; waiting longer would only wait on idle client connections.
  // gRPC takes a wall-clock deadline: converted at the last moment.
  server_->Shutdown(absl::ToChronoTime(
      absl::Now() + std::clamp(deadline - clock.Now(), absl::ZeroDuration(),
                               absl::Milliseconds(250))));
  server_->Wait();
  if (ticker_.joinable()) ticker_.join();
  absl::MutexLock lock(&mutex_);
  stopped_ = true;
}

}  // namespace claimd::api
