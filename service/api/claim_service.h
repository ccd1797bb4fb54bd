// ClaimServiceImpl: the claims.v1.ClaimService handlers on gRPC's callback API.
//
// Handlers only translate: request -> core types (proto_convert), call the
// store or the watch hub, core result -> response, absl::Status -> grpc::Status
// (status_mapping). Mutations go to ClaimStore::Submit and the call finishes
// from the store's commit callback, so no gRPC thread waits for a disk sync.
// Reads run on the calling thread (short, indexed SQLite reads). Watches are
// WatchReactor streams (watch_reactor.h). Thread-safety: all handlers run
// concurrently; the object is immutable after construction apart from
// thread-safe members.
#ifndef CLAIMD_SERVICE_API_CLAIM_SERVICE_H_
#define CLAIMD_SERVICE_API_CLAIM_SERVICE_H_

#include <atomic>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "claims/v1/claims.grpc.pb.h"
#include "service/api/arena_messages.h"
#include "service/api/call_gate.h"
#include "service/api/unary_deadline.h"
#include "service/api/watch_reactor.h"
#include "service/core/claim_store.h"

namespace claimd::api {

namespace internal {
using V1 = claims::v1::ClaimService;
// The generated CallbackService, except for the raw methods. WatchClaims's
// responses are assembled from serialised events shared by every watcher
// (event_bytes.h). The methods that answer with a whole claim write it
// straight from the core claim (claim_wire.h) instead of building a message
// of up to 256 evidence items only to serialise it; ListClaims writes its page
// the same way, and ListClaimEvents shares its events' bytes with the watch
// streams.
using ClaimServiceBase = V1::WithRawCallbackMethod_CreateClaim<
    V1::WithRawCallbackMethod_GetClaim<V1::WithRawCallbackMethod_ListClaims<
        V1::WithRawCallbackMethod_UpdateClaimStatus<
            V1::WithCallbackMethod_DeleteClaim<
                V1::WithRawCallbackMethod_ListClaimEvents<
                    V1::WithRawCallbackMethod_WatchClaims<V1::Service>>>>>>>;
}  // namespace internal

class ClaimServiceImpl final : public internal::ClaimServiceBase {
 public:
  // `deps` pointers and `gate` are not owned and must outlive the service.
  // Every call is admitted by `gate` (authentication, roles, watcher quota)
  // before it touches the store. Watch streams share the service's own cache
  // of serialised events (deps.event_bytes is set to it).
  // Writes that would wait past `deadlines` are answered DEADLINE_EXCEEDED
  // from `timer` (unary_deadline.h); `timer` may be null when `deadlines` sets
  // no bound.
  ClaimServiceImpl(const ServiceDependencies& deps, const CallGate* gate,
                   UnaryDeadlineOptions deadlines = {},
                   DeadlineTimer* timer = nullptr)
      : event_bytes_(EventBytesCache::kDefaultSlots,
                     deps.watch.event_bytes_cache_bytes),
        deps_(WithEventBytes(deps, &event_bytes_)),
        gate_(gate),
        deadlines_(deadlines),
        timer_(timer) {
    SetMessageAllocatorFor_DeleteClaim(&delete_messages_);
  }

  // Raw: a claims.v1.CreateClaimRequest in, a claims.v1.Claim out.
  grpc::ServerUnaryReactor* CreateClaim(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  // Raw: a claims.v1.GetClaimRequest in, a claims.v1.Claim out.
  grpc::ServerUnaryReactor* GetClaim(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  // Raw: a claims.v1.ListClaimsRequest in, a ListClaimsResponse out.
  grpc::ServerUnaryReactor* ListClaims(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  // Raw: a claims.v1.UpdateClaimStatusRequest in, a claims.v1.Claim out.
  grpc::ServerUnaryReactor* UpdateClaimStatus(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteClaim(
      grpc::CallbackServerContext* context,
      const claims::v1::DeleteClaimRequest* request,
      google::protobuf::Empty* response) override;
  // Raw: a claims.v1.ListClaimEventsRequest in, a ListClaimEventsResponse out,
  // its events' bytes shared with the watch streams (event_bytes.h).
  grpc::ServerUnaryReactor* ListClaimEvents(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchClaims(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

  // From now on new calls fail fast with UNAVAILABLE (clients retry elsewhere)
  // while the calls already running finish.
  void StartDraining() { draining_.store(true); }

 private:
  // Each unary call is a CountedUnaryReactor (shutdown waits for it), and is
  // answered UNAVAILABLE at once while draining.

  // Validates `mutation`, submits it, and finishes the call when it commits,
  // filling `response` with the serialised claim the event left (nullptr: no
  // body). `caller` is the gate's answer: an error finishes the call with it.
  grpc::ServerUnaryReactor* Mutate(
      grpc::CallbackServerContext* context,
      const absl::StatusOr<Caller>& caller,
      absl::FunctionRef<absl::StatusOr<core::Mutation>()> mutation,
      grpc::ByteBuffer* response);
  // Runs `read` (which fills the response only when it succeeds; gRPC sends
  // no message with an error) and finishes the call: on the read pool when
  // there is one, else on the calling (gRPC callback) thread.
  grpc::ServerUnaryReactor* Read(const absl::StatusOr<Caller>& caller,
                                 absl::AnyInvocable<absl::Status() &&> read);
  // A call finished with UnparsableRequestStatus().
  grpc::ServerUnaryReactor* Unparsable();
  // True (and `reactor` finished with UNAVAILABLE) when draining.
  bool RejectIfDraining(grpc::ServerUnaryReactor* reactor);

  static ServiceDependencies WithEventBytes(ServiceDependencies deps,
                                            EventBytesCache* cache) {
    deps.event_bytes = cache;
    return deps;
  }

  // Each typed unary method's request and response share an arena.
  ArenaMessages<claims::v1::DeleteClaimRequest, google::protobuf::Empty>
      delete_messages_;
  EventBytesCache event_bytes_;  // before deps_, which points at it
  const ServiceDependencies deps_;
  const CallGate* const gate_;
  const UnaryDeadlineOptions deadlines_;
  DeadlineTimer* const timer_;
  std::atomic<bool> draining_{false};
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_CLAIM_SERVICE_H_
