// Metrics: the hooks through which the store, the watch path and the RPC layer
// report what they do, in plain C++ so that no layer depends on a metrics
// library. Every hook has an empty default, and NoMetrics() is the instance to
// use when nobody collects (tests, tools). service/metrics/ implements it with
// prometheus-cpp for claimd.
//
// Only what every backend reports is here (commits, revision, claims per
// status): core knows no backend. A backend's own series come with the
// backend, through an interface of its own: store::SqliteMetrics (WAL,
// checkpoints; service/store/sqlite_metrics.h) and etcd_store::EtcdMetrics
// (lost revision races, etcd requests, the watch; etcd_metrics.h there).
//
//   SqliteStoreOptions{.metrics = &prometheus_metrics, ...}
//
// Thread-safety: implementations must accept calls from any thread at once;
// hooks are on hot paths (every commit, every call) and must not block.
#ifndef CLAIMD_SERVICE_CORE_METRICS_H_
#define CLAIMD_SERVICE_CORE_METRICS_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "service/core/claim.h"

namespace claimd::core {

// Claims per VerificationStatus, indexed by the enum's value.
using StatusCounts = std::array<int64_t, 4>;

class Metrics {
 public:
  virtual ~Metrics() = default;

  // The store's state, from the one thread that applies its events (SQLite's
  // writer, etcd's watch), so never concurrently with each other: at open,
  // and again whenever a backend reloads its state, the revision and how many
  // claims have each status; afterwards every event that moves the state, in
  // revision order. Over a store that replicas share these are every
  // replica's events, not only this one's commits.
  virtual void OnStoreOpened(int64_t revision, const StatusCounts& counts) {}
  virtual void OnEventsApplied(absl::Span<const ClaimEventPtr> events) {}
  // This process's own transactions, each with its duration (SQLite: BEGIN to
  // COMMIT, sync included; etcd: until the Txn's events were applied) and the
  // number of mutations it carried. May run concurrently with the calls
  // above.
  virtual void OnCommit(absl::Duration duration, size_t mutations) {}

  // Watch streams.
  virtual void OnWatcherStarted() {}
  virtual void OnWatcherEnded() {}
  // Events in a message the client accepted.
  virtual void OnEventsDelivered(size_t count) {}
  // A watcher fell behind the in-memory window and reads from the store.
  virtual void OnWatcherCatchUp() {}

  // RPCs: `method` is the full gRPC path ("/claims.v1.ClaimService/GetClaim")
  // or "unknown"; `code` the status code's name ("OK", "NOT_FOUND"). `unary`
  // says whether the duration is a call's latency (false: a stream's life).
  virtual void OnRpcFinished(absl::string_view method, absl::string_view code,
                             bool unary, absl::Duration duration) {}
};

// A Metrics that records nothing; lives for the whole program.
Metrics& NoMetrics();

// How `event` changes the claims per status: `removed` loses one and `added`
// gains one; kUnspecified means no change on that side.
struct StatusChange {
  VerificationStatus removed = VerificationStatus::kUnspecified;
  VerificationStatus added = VerificationStatus::kUnspecified;
};
StatusChange StatusChangeOf(const ClaimEvent& event);

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_METRICS_H_
