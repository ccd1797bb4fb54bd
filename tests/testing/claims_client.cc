#include "tests/testing/claims_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/generic/generic_stub.h"

namespace claimd::testing {

using claims::v1::Claim;
using claims::v1::ClaimEvent;
using claims::v1::ListClaimEventsRequest;
using claims::v1::ListClaimEventsResponse;
using claims::v1::ListClaimsRequest;
using claims::v1::ListClaimsResponse;

namespace {

constexpr int kMaxPages = 1000;

// Calls `list` page after page from `request` (bounded), moving every page's
// items (`items_of` a response) into one vector.
template <typename Item, typename Request, typename ListPage, typename ItemsOf>
absl::StatusOr<std::vector<Item>> ReadAllPages(Request request, ListPage list,
                                               ItemsOf items_of,
                                               absl::string_view method) {
  std::vector<Item> all;
  for (int page = 0; page < kMaxPages; ++page) {
    auto response = list(request);  // an absl::StatusOr of the page
    if (!response.ok()) return response.status();
    for (Item& item : *items_of(*response)) all.push_back(std::move(item));
    if (response->next_page_token().empty()) return all;
    request.set_page_token(response->next_page_token());
  }
  return absl::InternalError(absl::StrCat(
      method, " still had a next_page_token after ", kMaxPages, " pages"));
}

}  // namespace

void SetTimeout(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  SetTimeout(*context, timeout);
  return context;
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::StatusOr<Claim> CreateClaim(
    ClaimStub& stub, const claims::v1::CreateClaimRequest& request) {
  Claim response;
  absl::Status status =
      FromGrpc(stub.CreateClaim(NewContext().get(), request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<Claim> CreateClaim(ClaimStub& stub, const std::string& claim_id,
                                  const std::string& statement) {
  claims::v1::CreateClaimRequest request;
  request.set_claim_id(claim_id);
  request.mutable_claim()->set_statement(statement);
  return CreateClaim(stub, request);
}

absl::StatusOr<Claim> GetClaim(ClaimStub& stub, const std::string& name) {
  claims::v1::GetClaimRequest request;
  request.set_name(name);
  Claim response;
  absl::Status status =
      FromGrpc(stub.GetClaim(NewContext().get(), request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<Claim> UpdateClaimStatus(
    ClaimStub& stub, const claims::v1::UpdateClaimStatusRequest& request) {
  Claim response;
  absl::Status status =
      FromGrpc(stub.UpdateClaimStatus(NewContext().get(), request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<Claim> UpdateClaimStatus(ClaimStub& stub,
                                        const std::string& name,
                                        claims::v1::VerificationStatus status,
                                        const std::string& source,
                                        int64_t expected_revision) {
  claims::v1::UpdateClaimStatusRequest request;
  request.set_name(name);
  request.set_status(status);
  *request.mutable_evidence() = MakeEvidence(source);
  request.set_expected_revision(expected_revision);
  return UpdateClaimStatus(stub, request);
}

absl::Status DeleteClaim(ClaimStub& stub,
                         const claims::v1::DeleteClaimRequest& request) {
  google::protobuf::Empty response;
  return FromGrpc(stub.DeleteClaim(NewContext().get(), request, &response));
}

absl::Status DeleteClaim(ClaimStub& stub, const std::string& name,
                         int64_t expected_revision) {
  claims::v1::DeleteClaimRequest request;
  request.set_name(name);
  request.set_expected_revision(expected_revision);
  return DeleteClaim(stub, request);
}

absl::StatusOr<ListClaimsResponse> ListClaims(
    ClaimStub& stub, const ListClaimsRequest& request) {
  ListClaimsResponse response;
  absl::Status status =
      FromGrpc(stub.ListClaims(NewContext().get(), request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<std::vector<Claim>> ListAllClaims(ClaimStub& stub,
                                                 const std::string& filter,
                                                 int page_size) {
  ListClaimsRequest request;
  request.set_filter(filter);
  request.set_page_size(page_size);
  return ReadAllPages<Claim>(
      request, [&](const ListClaimsRequest& r) { return ListClaims(stub, r); },
      [](ListClaimsResponse& r) { return r.mutable_claims(); }, "ListClaims");
}

absl::StatusOr<ListClaimEventsResponse> ListClaimEvents(
    ClaimStub& stub, const ListClaimEventsRequest& request) {
  ListClaimEventsResponse response;
  absl::Status status =
      FromGrpc(stub.ListClaimEvents(NewContext().get(), request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<std::vector<ClaimEvent>> ListAllEvents(ClaimStub& stub,
                                                      const std::string& parent,
                                                      int page_size) {
  ListClaimEventsRequest request;
  request.set_parent(parent);
  request.set_page_size(page_size);
  return ReadAllPages<ClaimEvent>(
      request,
      [&](const ListClaimEventsRequest& r) { return ListClaimEvents(stub, r); },
      [](ListClaimEventsResponse& r) { return r.mutable_events(); },
      "ListClaimEvents");
}

absl::StatusOr<int64_t> CurrentRevision(ClaimStub& stub) {
  ListClaimsRequest request;
  request.set_page_size(1);
  absl::StatusOr<ListClaimsResponse> response = ListClaims(stub, request);
  if (!response.ok()) return response.status();
  return response->revision();
}

claims::v1::Evidence MakeEvidence(const std::string& source) {
  claims::v1::Evidence evidence;
  evidence.set_source(source);
  return evidence;
}

std::vector<std::string> ClaimNames(const std::vector<Claim>& claims) {
  std::vector<std::string> names;
  names.reserve(claims.size());
  for (const Claim& claim : claims) names.push_back(claim.name());
  return names;
}

std::vector<std::string> EventClaimNames(
    const std::vector<ClaimEvent>& events) {
  std::vector<std::string> names;
  names.reserve(events.size());
  for (const ClaimEvent& event : events) names.push_back(event.claim().name());
  return names;
}

std::vector<claims::v1::EventType> EventTypes(
    const std::vector<ClaimEvent>& events) {
  std::vector<claims::v1::EventType> types;
  types.reserve(events.size());
  for (const ClaimEvent& event : events) types.push_back(event.type());
  return types;
}

std::vector<int64_t> Revisions(const std::vector<ClaimEvent>& events) {
  std::vector<int64_t> revisions;
  revisions.reserve(events.size());
  for (const ClaimEvent& event : events) revisions.push_back(event.revision());
  return revisions;
}

std::vector<int64_t> Range(int64_t first, int64_t last) {
  std::vector<int64_t> range;
  for (int64_t r = first; r <= last; ++r) range.push_back(r);
  return range;
}

grpc::Status CallWithRawRequest(grpc::Channel& channel,
                                const std::string& method,
                                const std::string& request_bytes) {
  grpc::GenericStub stub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  SetTimeout(context, kRpcTimeout);
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status answered) {
                   status = std::move(answered);
                   done.Notify();
                 });
  done.WaitForNotification();
  return status;
}

}  // namespace claimd::testing
