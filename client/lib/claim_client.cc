#include "claimd/client/claim_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

class GrpcWatchStream : public WatchStream {
 public:
  GrpcWatchStream(ClaimStub& stub, const v1::WatchClaimsRequest& request)
      : reader_(stub.WatchClaims(&context_, request)) {}

  bool Read(v1::WatchClaimsResponse* response) override {
    return reader_ != nullptr && reader_->Read(response);
  }
  absl::Status Finish() override {
    if (reader_ == nullptr) return absl::InternalError("no watch stream");
    return FromGrpcStatus(reader_->Finish());
  }
  void Cancel() override { context_.TryCancel(); }

 private:
  // Declared first: the reader refers to the context.
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderInterface<v1::WatchClaimsResponse>> reader_;
};

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

ClaimClient::ClaimClient(std::shared_ptr<ClaimStub> stub,
                         ClaimClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

absl::Status ClaimClient::Call(
    bool retryable,
    const std::function<grpc::Status(grpc::ClientContext*)>& attempt) {
  const absl::Time deadline = absl::Now() + options_.timeout;
  absl::Status status;
  absl::Status before;  // the previous attempt's answer
  for (int i = 0; i < options_.max_attempts; ++i) {
    if (i > 0) {
      const absl::Duration delay =
          BackoffDelay(options_.backoff, i - 1, absl::Uniform(gen_, 0.0, 1.0));
      // A retry that could not start before the deadline would only turn the
      // real error into DEADLINE_EXCEEDED.
      if (absl::Now() + delay >= deadline) break;
      options_.sleep(delay);
    }
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    before = std::move(status);
    status = FromGrpcStatus(attempt(&context));
    // claimctl never cancels a unary call itself, so CANCELLED means the server
    // cut the call off while shutting down, before it took effect.
    const bool transient = status.code() == absl::StatusCode::kUnavailable ||
                           status.code() == absl::StatusCode::kCancelled;
    if (!retryable || !transient) break;
  }
  const bool before_reached_server = !before.ok() && !ReachedNoServer(before);
  if (!status.ok() && before_reached_server &&
      (before.code() != status.code() || ReachedNoServer(status))) {
    return absl::Status(status.code(),
                        absl::StrCat(status.message(), kEarlierAttempt,
                                     absl::StatusCodeToString(before.code()),
                                     ": ", before.message()));
  }
  return status;
}

bool ReachedNoServer(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnavailable) return false;
  const absl::string_view message = status.message();
  if (absl::StrContains(message, kEarlierAttempt)) return false;
  // gRPC 1.51's words when no subchannel could connect (pick_first,
  // round_robin) or the name resolved to nothing.
  for (absl::string_view start :
       {"failed to connect to all addresses", "DNS resolution failed",
        "empty address list", "connections to all backends failing"}) {
    if (absl::StartsWith(message, start)) return true;
  }
  return false;
}

absl::StatusOr<v1::Claim> ClaimClient::CreateClaim(
    const v1::CreateClaimRequest& request) {
  v1::Claim response;
  absl::Status status =
      Call(!request.request_id().empty(), [&](grpc::ClientContext* context) {
        return stub_->CreateClaim(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Claim> ClaimClient::GetClaim(
    const v1::GetClaimRequest& request) {
  v1::Claim response;
  absl::Status status = Call(true, [&](grpc::ClientContext* context) {
    return stub_->GetClaim(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListClaimsResponse> ClaimClient::ListClaims(
    const v1::ListClaimsRequest& request) {
  v1::ListClaimsResponse response;
  absl::Status status = Call(true, [&](grpc::ClientContext* context) {
    return stub_->ListClaims(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Claim> ClaimClient::UpdateClaimStatus(
    const v1::UpdateClaimStatusRequest& request) {
  v1::Claim response;
  absl::Status status =
      Call(!request.request_id().empty(), [&](grpc::ClientContext* context) {
        return stub_->UpdateClaimStatus(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::Status ClaimClient::DeleteClaim(const v1::DeleteClaimRequest& request) {
  google::protobuf::Empty response;
  return Call(!request.request_id().empty(), [&](grpc::ClientContext* context) {
    return stub_->DeleteClaim(context, request, &response);
  });
}

absl::StatusOr<v1::ListClaimEventsResponse> ClaimClient::ListClaimEvents(
    const v1::ListClaimEventsRequest& request) {
  v1::ListClaimEventsResponse response;
  absl::Status status = Call(true, [&](grpc::ClientContext* context) {
    return stub_->ListClaimEvents(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::Status ClaimClient::ForEachClaim(
    const v1::ListClaimsRequest& request, int64_t limit,
    const std::function<void(v1::Claim&)>& on_claim, PageInfo* last) {
  return ForEachPage<v1::ListClaimsRequest, v1::ListClaimsResponse, v1::Claim>(
      request,
      [this](const v1::ListClaimsRequest& page) { return ListClaims(page); },
      &v1::ListClaimsResponse::mutable_claims, limit, on_claim, last);
}

absl::Status ClaimClient::ForEachEvent(
    const v1::ListClaimEventsRequest& request, int64_t limit,
    const std::function<void(v1::ClaimEvent&)>& on_event, PageInfo* last) {
  return ForEachPage<v1::ListClaimEventsRequest, v1::ListClaimEventsResponse,
                     v1::ClaimEvent>(
      request,
      [this](const v1::ListClaimEventsRequest& page) {
        return ListClaimEvents(page);
      },
      &v1::ListClaimEventsResponse::mutable_events, limit, on_event, last);
}

std::unique_ptr<WatchStream> ClaimClient::WatchClaims(
    const v1::WatchClaimsRequest& request) {
  return std::make_unique<GrpcWatchStream>(*stub_, request);
}

}  // namespace claimd::client
