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
#include "service/api/call_gate.h"
#include "service/api/event_bytes.h"
#include "service/api/service_dependencies.h"
#include "service/api/stream_registry.h"
#include "service/core/claim_store.h"
#include "service/core/memory_budget.h"
#include "service/core/metrics.h"
#include "service/core/watch_hub.h"
#include "service/util/monotonic_clock.h"
#include "service/util/thread_pool.h"

namespace claimd::api {

// Creates the reactor for one WatchClaims call (registered as a raw method:
// `request` is a serialised WatchClaimsRequest, each response a serialised
// WatchClaimsResponse); gRPC owns it until OnDone. `hold` (a watcher quota
// lease, say) is kept until the stream is done. With `deps.streams` set, the
// stream is registered as `caller`'s and ends with UNAUTHENTICATED or
// PERMISSION_DENIED when a credentials reload takes that caller's role away.
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(
    const ServiceDependencies& deps, const grpc::ByteBuffer& request,
    std::shared_ptr<void> hold = nullptr, const Caller& caller = {});

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_WATCH_REACTOR_H_
