// Small blocking claims.v1 calls shared by the end-to-end tests, each with a
// deadline.
//
//   absl::StatusOr<std::vector<ClaimEvent>> log = ListAllEvents(*stub,
//   "claims/-");
//
// Thread-safety: as the generated stub (thread-safe).
#ifndef CLAIMD_TESTS_E2E_API_CALLS_H_
#define CLAIMD_TESTS_E2E_API_CALLS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"

namespace claimd::e2e {

// grpc::Status -> absl::Status with the same code and message.
absl::Status ToAbsl(const grpc::Status& status);

// Sets a deadline `timeout` from now on `context`.
void SetTimeout(grpc::ClientContext& context, absl::Duration timeout);

// Every event of `parent` ("claims/-" or "claims/ID"), paging 1000 at a time
// (at most 1000 pages), each call with a 5 s deadline.
absl::StatusOr<std::vector<claims::v1::ClaimEvent>> ListAllEvents(
    claims::v1::ClaimService::Stub& stub, const std::string& parent);

// Creates claims/`id` with `statement` (REPORTED). 5 s deadline.
absl::StatusOr<claims::v1::Claim> CreateClaim(
    claims::v1::ClaimService::Stub& stub, const std::string& id,
    const std::string& statement);

// Sets the status of claims/`id` with evidence from `source`. 5 s deadline.
absl::StatusOr<claims::v1::Claim> UpdateStatus(
    claims::v1::ClaimService::Stub& stub, const std::string& id,
    claims::v1::VerificationStatus status, const std::string& source);

absl::StatusOr<claims::v1::Claim> GetClaim(claims::v1::ClaimService::Stub& stub,
                                           const std::string& id);

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_API_CALLS_H_
