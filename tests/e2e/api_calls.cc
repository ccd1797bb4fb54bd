#include "tests/e2e/api_calls.h"

#include "absl/strings/str_cat.h"

namespace claimd::e2e {

namespace v1 = ::claims::v1;

absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

void SetTimeout(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::StatusOr<std::vector<v1::ClaimEvent>> ListAllEvents(
    v1::ClaimService::Stub& stub, const std::string& parent) {
  std::vector<v1::ClaimEvent> events;
  std::string token;
  for (int page = 0; page < 1000; ++page) {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    v1::ListClaimEventsRequest request;
    request.set_parent(parent);
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListClaimEventsResponse response;
    grpc::Status status = stub.ListClaimEvents(&context, request, &response);
    if (!status.ok()) return ToAbsl(status);
    for (v1::ClaimEvent& event : *response.mutable_events()) {
      events.push_back(std::move(event));
    }
    if (response.next_page_token().empty()) return events;
    token = response.next_page_token();
  }
  return absl::InternalError(absl::StrCat(
      "ListClaimEvents(", parent, ") still had pages after 1000 of them"));
}

absl::StatusOr<v1::Claim> CreateClaim(v1::ClaimService::Stub& stub,
                                      const std::string& id,
                                      const std::string& statement) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  v1::CreateClaimRequest request;
  request.set_claim_id(id);
  request.mutable_claim()->set_statement(statement);
  v1::Claim claim;
  grpc::Status status = stub.CreateClaim(&context, request, &claim);
  if (!status.ok()) return ToAbsl(status);
  return claim;
}

absl::StatusOr<v1::Claim> UpdateStatus(v1::ClaimService::Stub& stub,
                                       const std::string& id,
                                       v1::VerificationStatus verdict,
                                       const std::string& source) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  v1::UpdateClaimStatusRequest request;
  request.set_name(absl::StrCat("claims/", id));
  request.set_status(verdict);
  request.mutable_evidence()->set_source(source);
  v1::Claim claim;
  grpc::Status status = stub.UpdateClaimStatus(&context, request, &claim);
  if (!status.ok()) return ToAbsl(status);
  return claim;
}

absl::StatusOr<v1::Claim> GetClaim(v1::ClaimService::Stub& stub,
                                   const std::string& id) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  v1::GetClaimRequest request;
  request.set_name(absl::StrCat("claims/", id));
  v1::Claim claim;
  grpc::Status status = stub.GetClaim(&context, request, &claim);
  if (!status.ok()) return ToAbsl(status);
  return claim;
}

}  // namespace claimd::e2e
