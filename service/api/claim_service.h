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

#include "claims/v1/claims.grpc.pb.h"
#include "service/api/watch_reactor.h"
#include "service/core/claim_store.h"

namespace claimd::api {

class ClaimServiceImpl final
    : public claims::v1::ClaimService::CallbackService {
 public:
  // `deps` pointers are not owned and must outlive the service.
  explicit ClaimServiceImpl(const WatchDependencies& deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* CreateClaim(
      grpc::CallbackServerContext* context,
      const claims::v1::CreateClaimRequest* request,
      claims::v1::Claim* response) override;
  grpc::ServerUnaryReactor* GetClaim(grpc::CallbackServerContext* context,
                                     const claims::v1::GetClaimRequest* request,
                                     claims::v1::Claim* response) override;
  grpc::ServerUnaryReactor* ListClaims(
      grpc::CallbackServerContext* context,
      const claims::v1::ListClaimsRequest* request,
      claims::v1::ListClaimsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateClaimStatus(
      grpc::CallbackServerContext* context,
      const claims::v1::UpdateClaimStatusRequest* request,
      claims::v1::Claim* response) override;
  grpc::ServerUnaryReactor* DeleteClaim(
      grpc::CallbackServerContext* context,
      const claims::v1::DeleteClaimRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListClaimEvents(
      grpc::CallbackServerContext* context,
      const claims::v1::ListClaimEventsRequest* request,
      claims::v1::ListClaimEventsResponse* response) override;
  grpc::ServerWriteReactor<claims::v1::WatchClaimsResponse>* WatchClaims(
      grpc::CallbackServerContext* context,
      const claims::v1::WatchClaimsRequest* request) override;

  // From now on new calls fail fast with UNAVAILABLE (clients retry elsewhere)
  // while the calls already running finish.
  void StartDraining() { draining_.store(true); }

 private:
  // Validates `mutation`, submits it, and finishes `reactor` when it commits,
  // filling `response` with the claim the event left (nullptr: no response
  // body).
  void SubmitMutation(absl::StatusOr<core::Mutation> mutation,
                      grpc::ServerUnaryReactor* reactor,
                      claims::v1::Claim* response);

  // A counted reactor for a new unary call; when draining, it is already
  // finished with UNAVAILABLE and the handler must return it untouched
  // (`*rejected` set).
  grpc::ServerUnaryReactor* NewReactor(bool* rejected);

  const WatchDependencies deps_;
  std::atomic<bool> draining_{false};
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_CLAIM_SERVICE_H_
