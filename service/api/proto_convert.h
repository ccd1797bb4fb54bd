// Translation between the claims.v1 messages and the domain core, in both
// directions.
//
// This is the only place that knows both vocabularies. Conversions from
// requests check only what the proto types cannot express on their own (unknown
// enum numbers, resource names); field limits are checked by
// core::ValidateMutation. Thread-safety: pure.
#ifndef CLAIMD_SERVICE_API_PROTO_CONVERT_H_
#define CLAIMD_SERVICE_API_PROTO_CONVERT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "claims/v1/claims.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "service/core/claim.h"
#include "service/core/filter/filter.h"
#include "service/core/limits.h"
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

// A WatchClaims request, checked, in the watch machinery's terms.
struct WatchRequest {
  core::Filter filter;
  int64_t start_revision = 0;  // 0: from the next commit
  bool initial_snapshot = false;
  std::string store_id;  // the history start_revision belongs to; may be empty
};

// `raw` is a serialised WatchClaimsRequest (the method is registered raw so
// responses can share serialised events). Errors: INVALID_ARGUMENT for bytes
// that do not parse and a negative start_revision; those of
// core::Filter::Parse.
absl::StatusOr<WatchRequest> ParseWatchRequest(
    const grpc::ByteBuffer& raw, const core::RequestLimits& limits);

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_PROTO_CONVERT_H_
