// ClaimClient: claimctl's view of the claims.v1 API.
//
// Wraps a ClaimStub; every call returns absl::Status / absl::StatusOr,
// converted from grpc::Status by FromGrpcStatus (the only place that does it).
// Each unary call gets a deadline `timeout` from its start that covers all of
// its attempts. UNAVAILABLE (and CANCELLED, which a server shutting down can
// answer) is retried with capped exponential backoff, at most
// `max_attempts` times in all, but only where a repeat is harmless: reads
// always, mutations only when they carry a request_id (the server then answers
// a repeat with the first result, AIP-155). claimctl sets a request_id on
// every mutation. When the last attempt fails differently from the one before
// it (claimd answered UNAVAILABLE, then the retry ran out of time), the
// earlier answer is kept in the message after kEarlierAttempt: the last error
// alone would hide that the write reached claimd and may have been applied.
//
//   auto channel = MakeClaimChannel("127.0.0.1:50051");
//   ClaimClient client(MakeGrpcClaimStub(channel), {});
//   absl::StatusOr<claims::v1::Claim> claim = client.GetClaim(request);
//
// Thread-safety: thread-compatible for the calls; the returned WatchStream is
// described in watch_stream.h.
#ifndef CLAIMD_CLIENT_CLAIM_CLIENT_H_
#define CLAIMD_CLIENT_CLAIM_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "claimd/client/backoff.h"
#include "claimd/client/claim_stub.h"
#include "claimd/client/pager.h"
#include "claimd/client/watch_stream.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

// Maps a gRPC status to the absl::Status with the same code and message (the
// two code enums share their values).
absl::Status FromGrpcStatus(const grpc::Status& status);

// Joins the last attempt's message and the answer before it.
inline constexpr absl::string_view kEarlierAttempt = "; the attempt before: ";

// True when the call reached no server: gRPC found no address that accepts a
// connection, or none at all (DNS). A mutation that failed so was not sent;
// one whose earlier attempt reached a server (kEarlierAttempt) may have been
// applied, and is not such a failure.
bool ReachedNoServer(const absl::Status& status);

struct ClaimClientOptions {
  // Deadline of each unary call, all attempts included.
  absl::Duration timeout = absl::Seconds(10);
  // Attempts per call, the first included (1 = never retry).
  int max_attempts = 5;
  BackoffPolicy backoff;
  // How to wait between attempts; tests replace it to avoid sleeping.
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) {
    absl::SleepFor(d);
  };
};

class ClaimClient {
 public:
  ClaimClient(std::shared_ptr<ClaimStub> stub, ClaimClientOptions options);

  ClaimClient(const ClaimClient&) = delete;
  ClaimClient& operator=(const ClaimClient&) = delete;

  // The error codes are those of the RPCs (see claims.proto), plus
  // DEADLINE_EXCEEDED after `timeout` and UNAVAILABLE when the server is
  // unreachable.
  absl::StatusOr<claims::v1::Claim> CreateClaim(
      const claims::v1::CreateClaimRequest& request);
  absl::StatusOr<claims::v1::Claim> GetClaim(
      const claims::v1::GetClaimRequest& request);
  absl::StatusOr<claims::v1::ListClaimsResponse> ListClaims(
      const claims::v1::ListClaimsRequest& request);
  absl::StatusOr<claims::v1::Claim> UpdateClaimStatus(
      const claims::v1::UpdateClaimStatusRequest& request);
  absl::Status DeleteClaim(const claims::v1::DeleteClaimRequest& request);
  absl::StatusOr<claims::v1::ListClaimEventsResponse> ListClaimEvents(
      const claims::v1::ListClaimEventsRequest& request);

  // Every claim `request` matches (at most `limit`, 0: all), page by page
  // through the one pager (pager.h), handed to `on_claim` in ID order. `last`
  // (optional) gets the last page's revision and store id.
  absl::Status ForEachClaim(
      const claims::v1::ListClaimsRequest& request, int64_t limit,
      const std::function<void(claims::v1::Claim&)>& on_claim,
      PageInfo* last = nullptr);
  // Every event `request` selects (at most `limit`, 0: all), in revision
  // order.
  absl::Status ForEachEvent(
      const claims::v1::ListClaimEventsRequest& request, int64_t limit,
      const std::function<void(claims::v1::ClaimEvent&)>& on_event,
      PageInfo* last = nullptr);

  // Starts a WatchClaims stream without a deadline (it runs until cancelled)
  // and without retries: WatchFollower reconnects.
  std::unique_ptr<WatchStream> WatchClaims(
      const claims::v1::WatchClaimsRequest& request);
  // Whether the channel has a connection ready (ClaimStub::ChannelReady):
  // what WatchFollowerOptions::server_ready wants.
  bool ChannelReady() { return stub_->ChannelReady(); }

 private:
  // Runs `attempt` (one RPC on a fresh context) until it succeeds, fails with a
  // code other than UNAVAILABLE, `retryable` is false, or attempts or time run
  // out.
  absl::Status Call(
      bool retryable,
      const std::function<grpc::Status(grpc::ClientContext*)>& attempt);

  std::shared_ptr<ClaimStub> stub_;
  ClaimClientOptions options_;
  absl::BitGen gen_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLAIM_CLIENT_H_
