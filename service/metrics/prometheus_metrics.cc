#include "service/metrics/prometheus_metrics.h"

#include <string>

#include "service/core/claim.h"

namespace claimd::metrics {
namespace {

using prometheus::Histogram;

// Mutations per commit: 1 up to --max_batch (512 by default), in powers of 2.
Histogram::BucketBoundaries BatchBuckets() {
  Histogram::BucketBoundaries buckets;
  for (int size = 1; size <= 1024; size *= 2) buckets.push_back(size);
  return buckets;
}

template <typename Builder>
auto& Named(Builder builder, const std::string& name, const std::string& help,
            prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace

// Unary calls here take from tens of microseconds (reads) to a disk sync or a
// few (mutations): buckets from 100 µs to 10 s.
const Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

PrometheusMetrics::PrometheusMetrics(const BuildInfo& build)
    : registry_(std::make_shared<prometheus::Registry>()),
      rpc_handled_(Named(prometheus::BuildCounter(), "claimd_rpc_handled_total",
                         "RPCs finished, by gRPC method and status code",
                         *registry_)),
      rpc_duration_(Named(prometheus::BuildHistogram(),
                          "claimd_rpc_duration_seconds",
                          "Latency of unary RPCs, from the start of the call "
                          "to its status, by gRPC method",
                          *registry_)),
      watchers_active_(Named(prometheus::BuildGauge(), "claimd_watchers_active",
                             "WatchClaims streams open", *registry_)
                           .Add({})),
      events_delivered_(
          Named(prometheus::BuildCounter(),
                "claimd_watch_events_delivered_total",
                "Events (snapshot events included) in watch messages the "
                "client's connection accepted",
                *registry_)
              .Add({})),
      catch_ups_(Named(prometheus::BuildCounter(),
                       "claimd_watch_catch_ups_total",
                       "Times a watcher fell behind the in-memory event window "
                       "and read history from the store",
                       *registry_)
                     .Add({})),
      commit_duration_(Named(prometheus::BuildHistogram(),
                             "claimd_store_commit_duration_seconds",
                             "Store transactions, BEGIN to COMMIT including "
                             "the sync to disk",
                             *registry_)
                           .Add({}, LatencyBuckets())),
      commit_mutations_(Named(prometheus::BuildHistogram(),
                              "claimd_store_commit_mutations",
                              "Mutations per committed store transaction "
                              "(group commit batch size)",
                              *registry_)
                            .Add({}, BatchBuckets())),
      revision_(Named(prometheus::BuildGauge(), "claimd_store_revision",
                      "Revision of the last committed event", *registry_)
                    .Add({})) {
  auto& claims =
      Named(prometheus::BuildGauge(), "claimd_claims",
            "Claims in the store, by verification status", *registry_);
  for (core::VerificationStatus status : {core::VerificationStatus::kReported,
                                          core::VerificationStatus::kConfirmed,
                                          core::VerificationStatus::kDenied}) {
    claims_[static_cast<int>(status)] =
        &claims.Add({{"status", std::string(core::StatusName(status))}});
  }
  Named(prometheus::BuildGauge(), "claimd_build_info",
        "Always 1; the labels say which build is running", *registry_)
      .Add({{"version", build.version},
            {"commit", build.commit},
            {"grpc", build.grpc_version},
            {"sqlite", build.sqlite_version}})
      .Set(1);
}

void PrometheusMetrics::OnStoreOpened(int64_t revision,
                                      const core::StatusCounts& counts) {
  revision_.Set(static_cast<double>(revision));
  for (size_t i = 0; i < claims_.size(); ++i) {
    if (claims_[i] != nullptr) claims_[i]->Set(static_cast<double>(counts[i]));
  }
}

void PrometheusMetrics::OnCommit(absl::Duration duration, size_t mutations) {
  commit_duration_.Observe(absl::ToDoubleSeconds(duration));
  commit_mutations_.Observe(static_cast<double>(mutations));
}

void PrometheusMetrics::OnEventsApplied(
    absl::Span<const core::ClaimEventPtr> events) {
  for (const core::ClaimEventPtr& event : events) {
    const core::StatusChange change = core::StatusChangeOf(*event);
    if (prometheus::Gauge* removed = claims_[static_cast<int>(change.removed)])
      removed->Decrement();
    if (prometheus::Gauge* added = claims_[static_cast<int>(change.added)])
      added->Increment();
  }
  if (!events.empty())
    revision_.Set(static_cast<double>(events.back()->revision));
}

void PrometheusMetrics::OnWatcherStarted() { watchers_active_.Increment(); }

void PrometheusMetrics::OnWatcherEnded() { watchers_active_.Decrement(); }

void PrometheusMetrics::OnEventsDelivered(size_t count) {
  events_delivered_.Increment(static_cast<double>(count));
}

void PrometheusMetrics::OnWatcherCatchUp() { catch_ups_.Increment(); }

void PrometheusMetrics::OnRpcFinished(absl::string_view method,
                                      absl::string_view code, bool unary,
                                      absl::Duration duration) {
  prometheus::Counter* handled = nullptr;
  prometheus::Histogram* latency = nullptr;
  {
    absl::ReaderMutexLock lock(&rpc_mutex_);
    auto series = rpc_series_.find(method);
    if (series != rpc_series_.end()) {
      auto counter = series->second.handled_by_code.find(code);
      if (counter != series->second.handled_by_code.end()) {
        handled = counter->second;
        latency = series->second.duration;
      }
    }
  }
  if (handled == nullptr) {  // the first call of this method with this code
    absl::MutexLock lock(&rpc_mutex_);
    MethodSeries& series = rpc_series_[method];
    auto [counter, added] =
        series.handled_by_code.try_emplace(std::string(code), nullptr);
    if (added) {
      counter->second = &rpc_handled_.Add(
          {{"method", std::string(method)}, {"code", std::string(code)}});
    }
    if (unary && series.duration == nullptr) {
      series.duration = &rpc_duration_.Add({{"method", std::string(method)}},
                                           LatencyBuckets());
    }
    handled = counter->second;
    latency = series.duration;
  }
  handled->Increment();
  if (unary && latency != nullptr) {
    latency->Observe(absl::ToDoubleSeconds(duration));
  }
}

}  // namespace claimd::metrics
