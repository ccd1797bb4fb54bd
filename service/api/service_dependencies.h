// What every handler of claims.v1.ClaimService works with: the store, the
// watch hub, the thread pools, the limits, the shared caches and registries.
// ClaimServer builds one bundle and hands it to the service; the WatchClaims
// reactor and the unary handlers read from it. Nothing in it is owned.
//
// Thread-safety: the bundle is immutable after construction; the objects it
// points at are thread-safe (each says so).
#ifndef CLAIMD_SERVICE_API_SERVICE_DEPENDENCIES_H_
#define CLAIMD_SERVICE_API_SERVICE_DEPENDENCIES_H_

#include <cstddef>

#include "absl/time/time.h"
#include "service/api/call_counter.h"
#include "service/api/event_bytes.h"
#include "service/api/stream_registry.h"
#include "service/core/limits.h"
#include "service/core/memory_budget.h"
#include "service/core/metrics.h"
#include "service/core/watch_hub.h"
#include "service/util/monotonic_clock.h"
#include "service/util/thread_pool.h"

namespace claimd::api {

// How WatchClaims streams are paced and bounded.
struct WatchOptions {
  // An idle stream sends a progress message (no events, the current revision)
  // this often.
  absl::Duration progress_interval = absl::Seconds(5);
  // A message carries at most this many events and, past the first, about this
  // many bytes.
  size_t max_events_per_message = 256;
  size_t max_bytes_per_message = size_t{1} << 20;
  // Events read from the store per catch-up step: equal to
  // max_events_per_message, so a page whose events all match is sent whole
  // rather than read twice.
  int catch_up_page = 256;
  // Snapshot claims per message.
  size_t snapshot_claims_per_message = 128;
  // initial_snapshot memory (core::ApproximateBytes of the claims held): one
  // stream's snapshot at most max_snapshot_bytes, all streams' together at
  // most snapshot_memory_bytes (the server's budget); RESOURCE_EXHAUSTED
  // beyond either. A stream gives its share back as it sends. 0: no limit.
  size_t max_snapshot_bytes = size_t{64} << 20;
  size_t snapshot_memory_bytes = size_t{256} << 20;
  // The serialised events all streams share (EventBytesCache) take at most
  // this much memory.
  size_t event_bytes_cache_bytes = size_t{64} << 20;
};

struct ServiceDependencies {
  core::ClaimStore* store;
  core::WatchHub* hub;
  util::ThreadPool* catch_up_pool;  // store reads (may block on I/O)
  // Work handed off the commit thread: watch pumps and unary replies.
  util::ThreadPool* fanout_pool;
  // Unary reads (ServerOptions::read_threads); null: on gRPC's thread.
  util::ThreadPool* read_pool = nullptr;
  CallCounter* counter;  // counts this stream while it runs
  WatchOptions watch;
  // Page sizes and filter bounds, for every method of the service.
  core::RequestLimits request_limits;
  // Not owned. Watchers started and ended, events delivered, catch-ups.
  core::Metrics* metrics = &core::NoMetrics();
  // Serialised events shared by all streams; not owned, never null in a
  // stream (ClaimServiceImpl sets it to its own cache).
  EventBytesCache* event_bytes = nullptr;
  // Not owned; null: streams are not re-authorized on a credentials reload.
  StreamRegistry* streams = nullptr;
  // Not owned; null: snapshots are bounded per stream only. Sized by
  // options.snapshot_memory_bytes.
  core::MemoryBudget* snapshot_budget = nullptr;
  // What progress_interval is measured on; not owned (tests inject one).
  const util::MonotonicClock* clock = &util::MonotonicClock::Real();
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_SERVICE_DEPENDENCIES_H_
