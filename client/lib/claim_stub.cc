#include "claimd/client/claim_stub.h"

#include <algorithm>
#include <cstdint>
#include <memory>

namespace claimd::client {
namespace {

// A positive duration as gRPC's int milliseconds, at least 1 (0 would turn a
// sub-millisecond keepalive into gRPC's "unset").
int Milliseconds(absl::Duration duration) {
  return static_cast<int>(std::clamp<int64_t>(
      absl::ToInt64Milliseconds(duration), 1, int64_t{INT32_MAX}));
}

// gRPC's own failover, as a service config: round_robin connects to every
// address of the target (several addresses, or a DNS name's records) at once
// and sends each call to one whose connection is up, so a call or a watch
// that retries lands on a live replica. A replica that hangs (it accepts TCP
// connections and never answers the handshake) is never used: pick_first,
// which tries the addresses in order, waited out the connect timeout on it
// before each new process could use the next one.
// Retries are ClaimClient's alone (claim_client.h: reads, and mutations that
// carry a request_id, within one deadline); a retryPolicy here as well would
// multiply the attempts of every read. docs/DESIGN.md shows the retryPolicy
// for clients in other languages, which have no ClaimClient.
constexpr char kServiceConfig[] = R"json({
  "loadBalancingConfig": [{"round_robin": {}}]
})json";

namespace v1 = ::claims::v1;

class GrpcClaimStub : public ClaimStub {
 public:
  explicit GrpcClaimStub(const std::shared_ptr<grpc::ChannelInterface>& channel)
      : channel_(channel), stub_(v1::ClaimService::NewStub(channel)) {}

  grpc::Status CreateClaim(grpc::ClientContext* context,
                           const v1::CreateClaimRequest& request,
                           v1::Claim* response) override {
    return stub_->CreateClaim(context, request, response);
  }
  grpc::Status GetClaim(grpc::ClientContext* context,
                        const v1::GetClaimRequest& request,
                        v1::Claim* response) override {
    return stub_->GetClaim(context, request, response);
  }
  grpc::Status ListClaims(grpc::ClientContext* context,
                          const v1::ListClaimsRequest& request,
                          v1::ListClaimsResponse* response) override {
    return stub_->ListClaims(context, request, response);
  }
  grpc::Status UpdateClaimStatus(grpc::ClientContext* context,
                                 const v1::UpdateClaimStatusRequest& request,
                                 v1::Claim* response) override {
    return stub_->UpdateClaimStatus(context, request, response);
  }
  grpc::Status DeleteClaim(grpc::ClientContext* context,
                           const v1::DeleteClaimRequest& request,
                           google::protobuf::Empty* response) override {
    return stub_->DeleteClaim(context, request, response);
  }
  grpc::Status ListClaimEvents(grpc::ClientContext* context,
                               const v1::ListClaimEventsRequest& request,
                               v1::ListClaimEventsResponse* response) override {
    return stub_->ListClaimEvents(context, request, response);
  }
  std::unique_ptr<grpc::ClientReaderInterface<v1::WatchClaimsResponse>>
  WatchClaims(grpc::ClientContext* context,
              const v1::WatchClaimsRequest& request) override {
    return stub_->WatchClaims(context, request);
  }
  bool ChannelReady() override {
    return channel_->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY;
  }

 private:
  const std::shared_ptr<grpc::ChannelInterface> channel_;
  std::unique_ptr<v1::ClaimService::Stub> stub_;
};

}  // namespace

std::shared_ptr<grpc::Channel> MakeClaimChannel(const std::string& target,
                                                const ChannelSecurity& security,
                                                const ChannelOptions& options) {
  grpc::ChannelArguments args;
  if (options.keepalive_time > absl::ZeroDuration()) {
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                Milliseconds(options.keepalive_time));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                Milliseconds(options.keepalive_timeout));
    // Idle connections too: they are checked between calls, so the next call
    // does not wait out its deadline on a dead one.
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    // A watch sends nothing after its request; by default gRPC stops pinging
    // after two pings without sending data, which would leave a long quiet
    // watch unchecked.
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // gRPC 1.51 also uses GRPC_ARG_MIN_RECONNECT_BACKOFF_MS as the connect
  // timeout, and tries a refused connection again only once it has passed.
  // Its default, 20 s, is how long a connection to a replica that hangs
  // stays "connecting", how long a call waits when every replica hangs, and
  // how long after a server's return a watch resumes (7 s measured with 5 s).
  // 5 s leaves room for a loaded machine, where 100 ms failed the loopback
  // handshake ("tcp handshaker shutdown"); with 2 s a 2 s call to a hung
  // server ended UNAVAILABLE or DEADLINE_EXCEEDED, whichever timer fired
  // first.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000);
  args.SetString(GRPC_ARG_PRIMARY_USER_AGENT_STRING, "claimd-client");
  args.SetServiceConfigJSON(kServiceConfig);
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, MakeChannelCredentials(security), args,
      MakeTokenInterceptors(security.token));
}

// `channel` stays a value as declared in claim_stub.h; NewStub takes a const
// reference, so there is nothing to move it into.
// NOLINTBEGIN(performance-unnecessary-value-param)
std::shared_ptr<ClaimStub> MakeGrpcClaimStub(
    std::shared_ptr<grpc::ChannelInterface> channel) {
  return std::make_shared<GrpcClaimStub>(channel);
}
// NOLINTEND(performance-unnecessary-value-param)

}  // namespace claimd::client
