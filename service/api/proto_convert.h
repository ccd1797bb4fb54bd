// Translation between the claims.v1 messages and the domain core, in both
// directions.
//
// This is the only place that knows both vocabularies. Conversions from
// requests check only what the proto types cannot express on their own (unknown
// enum numbers, resource names); field limits are checked by
// core::ValidateMutation. Thread-safety: pure.
#ifndef CLAIMD_SERVICE_API_PROTO_CONVERT_H_
#define CLAIMD_SERVICE_API_PROTO_CONVERT_H_

#include "absl/status/statusor.h"
#include "claims/v1/claims.pb.h"
#include "service/core/claim.h"
#include "service/core/mutation.h"

namespace claimd::api {

void ToProto(const core::Claim& claim, claims::v1::Claim* out);
void ToProto(const core::ClaimEvent& event, claims::v1::ClaimEvent* out);
claims::v1::VerificationStatus ToProto(core::VerificationStatus status);

// Errors: INVALID_ARGUMENT naming the field, for enum numbers outside the
// contract.
absl::StatusOr<core::VerificationStatus> FromProto(
    claims::v1::VerificationStatus status, absl::string_view field);
core::Evidence FromProto(const claims::v1::Evidence& evidence);

// `claim_id` is the id to create (given by the caller or generated);
// `generated` says which. Errors: INVALID_ARGUMENT.
absl::StatusOr<core::Mutation> ToMutation(
    const claims::v1::CreateClaimRequest& request, std::string claim_id,
    bool generated);
absl::StatusOr<core::Mutation> ToMutation(
    const claims::v1::UpdateClaimStatusRequest& request);
absl::StatusOr<core::Mutation> ToMutation(
    const claims::v1::DeleteClaimRequest& request);

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_PROTO_CONVERT_H_
