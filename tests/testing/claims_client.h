// Small synchronous helpers over the claims.v1 stub, for every test that calls
// claimd: in-process servers (tests/api) and the real binary (tests/e2e,
// tests/reliability).
//
// Every call carries a deadline (kRpcTimeout), so a server bug fails a test
// instead of hanging it, and returns absl::Status/StatusOr with the gRPC code
// and message unchanged, so tests can use StatusIs(code, HasSubstr(...)).
//
//   ASSERT_OK_AND_ASSIGN(Claim claim, CreateClaim(stub, "a", "Water is wet"));
//   EXPECT_THAT(GetClaim(stub, "claims/b"),
//   StatusIs(absl::StatusCode::kNotFound));
//
// Thread-safety: pure functions over a thread-safe stub.
#ifndef CLAIMD_TESTS_TESTING_CLAIMS_CLIENT_H_
#define CLAIMD_TESTS_TESTING_CLAIMS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace claimd::testing {

inline constexpr absl::Duration kRpcTimeout = absl::Seconds(5);

using ClaimStub = claims::v1::ClaimService::StubInterface;

// Sets a deadline `timeout` from now on `context`.
void SetTimeout(grpc::ClientContext& context, absl::Duration timeout);

// A ClientContext whose deadline is `timeout` from now.
std::unique_ptr<grpc::ClientContext> NewContext(
    absl::Duration timeout = kRpcTimeout);

// grpc::Status -> absl::Status with the same code and message.
absl::Status FromGrpc(const grpc::Status& status);

absl::StatusOr<claims::v1::Claim> CreateClaim(
    ClaimStub& stub, const claims::v1::CreateClaimRequest& request);
// A claim with this id (empty: generated) and statement, REPORTED, no labels.
absl::StatusOr<claims::v1::Claim> CreateClaim(ClaimStub& stub,
                                              const std::string& claim_id,
                                              const std::string& statement);

absl::StatusOr<claims::v1::Claim> GetClaim(ClaimStub& stub,
                                           const std::string& name);

absl::StatusOr<claims::v1::Claim> UpdateClaimStatus(
    ClaimStub& stub, const claims::v1::UpdateClaimStatusRequest& request);
// A verdict with evidence from `source`.
absl::StatusOr<claims::v1::Claim> UpdateClaimStatus(
    ClaimStub& stub, const std::string& name,
    claims::v1::VerificationStatus status, const std::string& source,
    int64_t expected_revision = 0);

absl::Status DeleteClaim(ClaimStub& stub,
                         const claims::v1::DeleteClaimRequest& request);
absl::Status DeleteClaim(ClaimStub& stub, const std::string& name,
                         int64_t expected_revision = 0);

absl::StatusOr<claims::v1::ListClaimsResponse> ListClaims(
    ClaimStub& stub, const claims::v1::ListClaimsRequest& request);
// Every claim matching `filter`, following page tokens (at most 1000 pages).
absl::StatusOr<std::vector<claims::v1::Claim>> ListAllClaims(
    ClaimStub& stub, const std::string& filter = "", int page_size = 1000);

absl::StatusOr<claims::v1::ListClaimEventsResponse> ListClaimEvents(
    ClaimStub& stub, const claims::v1::ListClaimEventsRequest& request);
// Every event of `parent` from the oldest kept, following page tokens (at most
// 1000 pages).
absl::StatusOr<std::vector<claims::v1::ClaimEvent>> ListAllEvents(
    ClaimStub& stub, const std::string& parent = "claims/-",
    int page_size = 1000);

// The store's current revision, as ListClaims reports it.
absl::StatusOr<int64_t> CurrentRevision(ClaimStub& stub);

// Calls `method` ("/claims.v1.ClaimService/GetClaim") with `request_bytes` as
// the request body, as a client with a broken encoder would, and returns the
// call's status unchanged.
grpc::Status CallWithRawRequest(grpc::Channel& channel,
                                const std::string& method,
                                const std::string& request_bytes);

// Evidence with only a source.
claims::v1::Evidence MakeEvidence(const std::string& source);

// The names of `claims`, in order.
std::vector<std::string> ClaimNames(
    const std::vector<claims::v1::Claim>& claims);
// The claim names and the types of `events`, in order.
std::vector<std::string> EventClaimNames(
    const std::vector<claims::v1::ClaimEvent>& events);
std::vector<claims::v1::EventType> EventTypes(
    const std::vector<claims::v1::ClaimEvent>& events);
// The revisions of `events`, in order.
std::vector<int64_t> Revisions(
    const std::vector<claims::v1::ClaimEvent>& events);
// first, first + 1, ..., last (empty when last < first).
std::vector<int64_t> Range(int64_t first, int64_t last);

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_TESTING_CLAIMS_CLIENT_H_
