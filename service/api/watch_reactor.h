// The WatchClaims stream: one ServerWriteReactor per call, pulling events from
// the WatchHub (or, for a cursor older than the hub's window, from the store)
// one message at a time.
//
// Control flow. At any moment exactly one activity owns the stream: a pump
// (deciding what to send next), a write in flight, or a store read on the
// catch-up pool. Whoever owns it either hands it to the next activity or, at
// the head of the log, releases it and waits for the hub's Wake(). That is what
// keeps one StartWrite in flight, Finish called exactly once, and no reaction
// ever blocking: store reads happen on the pool.
//
// Lifetime. The reactor is deleted in OnDone. Everything that can call in later
// (the hub's Wake, pool tasks) holds the shared WatchSession instead, which
// forgets the reactor in OnDone under its mutex, so a late call finds nothing
// to touch.
//
// Thread-safety: WatchSession::mutex_ guards the ownership flags; the cursor
// and the message being written belong to the current owner. Lock order:
// WatchSession::mutex_ is never held while calling the hub, the store or gRPC.
#ifndef CLAIMD_SERVICE_API_WATCH_REACTOR_H_
#define CLAIMD_SERVICE_API_WATCH_REACTOR_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"
#include "grpcpp/grpcpp.h"
#include "service/api/call_counter.h"
#include "service/api/call_gate.h"
#include "service/api/event_bytes.h"
#include "service/api/stream_registry.h"
#include "service/core/claim_store.h"
#include "service/core/memory_budget.h"
#include "service/core/metrics.h"
#include "service/core/watch_hub.h"
#include "service/util/monotonic_clock.h"
#include "service/util/thread_pool.h"

namespace claimd::api {

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
  // Page sizes and filter bounds, for every method of the service (not only
  // WatchClaims).
  core::RequestLimits request_limits;
};

struct WatchDependencies {
  core::ClaimStore* store;
  core::WatchHub* hub;
  util::ThreadPool* catch_up_pool;  // store reads (may block on I/O)
  // Work handed off the commit thread: watch pumps and unary replies.
  util::ThreadPool* fanout_pool;
  CallCounter* counter;  // counts this stream while it runs
  WatchOptions options;
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

// Creates the reactor for one WatchClaims call (registered as a raw method:
// `request` is a serialised WatchClaimsRequest, each response a serialised
// WatchClaimsResponse); gRPC owns it until OnDone. `hold` (a watcher quota
// lease, say) is kept until the stream is done. With `deps.streams` set, the
// stream is registered as `caller`'s and ends with UNAUTHENTICATED or
// PERMISSION_DENIED when a credentials reload takes that caller's role away.
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(
    const WatchDependencies& deps, const grpc::ByteBuffer& request,
    std::shared_ptr<void> hold = nullptr, const Caller& caller = {});

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_WATCH_REACTOR_H_
