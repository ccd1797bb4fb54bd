// ClaimStub: the one seam between claimctl and the network.
//
// A small abstract interface over the generated ClaimService stub, in the style
// of google-cloud-cpp: ClaimClient talks only to this interface, so tests
// replace it with a gMock (client/mock_claim_stub.h) and never need a server.
// The methods mirror the generated blocking stub one to one and keep
// grpc::Status; the conversion to absl::Status happens in ClaimClient, in one
// place.
//
// Thread-safety: implementations are thread-safe, like the generated stub; the
// grpc::ClientContext passed to each call belongs to that call only.
#ifndef CLAIMD_CLIENT_CLAIM_STUB_H_
#define CLAIMD_CLIENT_CLAIM_STUB_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "claimd/client/channel_security.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

class ClaimStub {
 public:
  virtual ~ClaimStub() = default;

  virtual grpc::Status CreateClaim(
      grpc::ClientContext* context,
      const claims::v1::CreateClaimRequest& request,
      claims::v1::Claim* response) = 0;
  virtual grpc::Status GetClaim(grpc::ClientContext* context,
                                const claims::v1::GetClaimRequest& request,
                                claims::v1::Claim* response) = 0;
  virtual grpc::Status ListClaims(grpc::ClientContext* context,
                                  const claims::v1::ListClaimsRequest& request,
                                  claims::v1::ListClaimsResponse* response) = 0;
  virtual grpc::Status UpdateClaimStatus(
      grpc::ClientContext* context,
      const claims::v1::UpdateClaimStatusRequest& request,
      claims::v1::Claim* response) = 0;
  virtual grpc::Status DeleteClaim(
      grpc::ClientContext* context,
      const claims::v1::DeleteClaimRequest& request,
      google::protobuf::Empty* response) = 0;
  virtual grpc::Status ListClaimEvents(
      grpc::ClientContext* context,
      const claims::v1::ListClaimEventsRequest& request,
      claims::v1::ListClaimEventsResponse* response) = 0;
  // Starts a WatchClaims stream. `context` must outlive the returned reader.
  virtual std::unique_ptr<
      grpc::ClientReaderInterface<claims::v1::WatchClaimsResponse>>
  WatchClaims(grpc::ClientContext* context,
              const claims::v1::WatchClaimsRequest& request) = 0;
  // True when a connection is ready for calls (asking an idle channel to
  // connect). A watch that lost its server polls it while it waits, so that
  // it resumes as soon as gRPC has reconnected rather than when its backoff
  // ends. False when not known (the default, and fakes).
  virtual bool ChannelReady() { return false; }
};

// How a channel notices a server that stopped answering without closing its
// connection (a hung process, a host that vanished, a network that drops
// packets): gRPC keepalive. Without it a watch on such a server waits forever,
// because nothing closes the connection.
struct ChannelOptions {
  // Ping the server after this long without a frame from it, on connections
  // with and without calls; zero or less: never. claimd accepts a ping every
  // 10 s (its --min_client_ping_interval); a shorter time gets the connection
  // closed with too_many_pings once the server has sent nothing for a while.
  absl::Duration keepalive_time = absl::Seconds(20);
  // A ping unanswered for this long closes the connection: its calls fail
  // with UNAVAILABLE, and the next calls go to the target's other addresses.
  absl::Duration keepalive_timeout = absl::Seconds(10);
};

// A channel to `target` (a gRPC target, see server_target.h: one address,
// several, or a DNS name), secured as `security` says (plaintext by default),
// with gRPC's round_robin across the target's addresses (a service config:
// every address connected at once, each call sent to one that is up; retries
// are ClaimClient's, see claim_client.h), keepalive as
// `options` says, and short reconnect backoff, so a retry or a watch reconnect
// after a server restart actually dials again instead of failing fast while
// gRPC's default 1 s..120 s reconnect backoff runs.
std::shared_ptr<grpc::Channel> MakeClaimChannel(
    const std::string& target, const ChannelSecurity& security = {},
    const ChannelOptions& options = {});

// The production stub: forwards every call to the generated ClaimService stub.
std::shared_ptr<ClaimStub> MakeGrpcClaimStub(
    std::shared_ptr<grpc::ChannelInterface> channel);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLAIM_STUB_H_
