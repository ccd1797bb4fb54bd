#include "service/api/proto_convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "service/api/claim_wire.h"
#include "service/core/claim_id.h"
#include "service/util/status_macros.h"

namespace claimd::api {
namespace {

using google::protobuf::Timestamp;

void ToProto(absl::Time time, Timestamp* out) {
  const WireTime split = SplitTime(time);
  out->set_seconds(split.seconds);
  out->set_nanos(split.nanos);
}

// An unset timestamp means "the caller did not say".
absl::Time FromProto(const Timestamp& time, bool present) {
  if (!present) return absl::InfinitePast();
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

void ToProto(const core::Evidence& evidence, claims::v1::Evidence* out) {
  // Empty strings are left unset (the same bytes on the wire): setting one
  // still allocates a string, and a claim's items mostly leave several empty.
  if (!evidence.source.empty()) out->set_source(evidence.source);
  if (!evidence.url.empty()) out->set_url(evidence.url);
  if (!evidence.quote.empty()) out->set_quote(evidence.quote);
  if (!evidence.note.empty()) out->set_note(evidence.note);
  if (!evidence.actor.empty()) out->set_actor(evidence.actor);
  if (evidence.time != absl::InfinitePast())
    ToProto(evidence.time, out->mutable_time());
  out->set_status(api::ToProto(evidence.status));
  out->set_revision(evidence.revision);
}

}  // namespace

claims::v1::VerificationStatus ToProto(core::VerificationStatus status) {
  return static_cast<claims::v1::VerificationStatus>(static_cast<int>(status));
}

absl::StatusOr<core::VerificationStatus> FromProto(
    claims::v1::VerificationStatus status, absl::string_view field) {
  if (!claims::v1::VerificationStatus_IsValid(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": unknown value ", static_cast<int>(status),
                     "; expected REPORTED (1), CONFIRMED (2) or DENIED (3)"));
  }
  return static_cast<core::VerificationStatus>(static_cast<int>(status));
}

core::Evidence FromProto(const claims::v1::Evidence& evidence) {
  return core::Evidence{
      .source = evidence.source(),
      .url = evidence.url(),
      .quote = evidence.quote(),
      .note = evidence.note(),
      .actor = evidence.actor(),
      .time = FromProto(evidence.time(), evidence.has_time())};
}

void ToProto(const core::Claim& claim, claims::v1::Claim* out) {
  out->set_name(core::ClaimName(claim.id));
  out->set_statement(claim.statement);
  out->set_status(ToProto(claim.status));
  for (const auto& [key, value] : claim.labels)
    (*out->mutable_labels())[key] = value;
  out->mutable_evidence()->Reserve(static_cast<int>(claim.evidence.size()));
  for (const core::Evidence& evidence : claim.evidence)
    ToProto(evidence, out->add_evidence());
  out->set_revision(claim.revision);
  out->set_create_revision(claim.create_revision);
  ToProto(claim.create_time, out->mutable_create_time());
  ToProto(claim.update_time, out->mutable_update_time());
}

void ToProto(const core::ClaimEvent& event, claims::v1::ClaimEvent* out) {
  out->set_revision(event.revision);
  out->set_type(
      static_cast<claims::v1::EventType>(static_cast<int>(event.type)));
  ToProto(event.claim, out->mutable_claim());
  out->set_previous_status(ToProto(event.previous_status));
  ToProto(event.event_time, out->mutable_event_time());
  out->set_actor(event.actor);
}

absl::StatusOr<core::Mutation> ToMutation(
    const claims::v1::CreateClaimRequest& request, std::string claim_id,
    bool generated) {
  const claims::v1::Claim& in = request.claim();
  if (!in.name().empty() && in.name() != core::ClaimName(claim_id)) {
    return absl::InvalidArgumentError(
        "claim.name: is output only; set claim_id to choose the claim's id");
  }
  core::CreateClaim create{.id_generated = generated};
  core::Claim& claim = create.claim;
  claim.id = std::move(claim_id);
  claim.statement = in.statement();
  ASSIGN_OR_RETURN(claim.status, FromProto(in.status(), "claim.status"));
  claim.labels.insert(in.labels().begin(), in.labels().end());
  claim.evidence.reserve(in.evidence_size());
  for (const claims::v1::Evidence& evidence : in.evidence()) {
    claim.evidence.push_back(FromProto(evidence));
  }
  return core::Mutation{.op = std::move(create),
                        .request_id = request.request_id()};
}

absl::StatusOr<core::Mutation> ToMutation(
    const claims::v1::UpdateClaimStatusRequest& request) {
  core::UpdateClaimStatus update;
  ASSIGN_OR_RETURN(update.claim_id,
                   core::ParseClaimName(request.name(), "name"));
  ASSIGN_OR_RETURN(update.status, FromProto(request.status(), "status"));
  update.evidence = FromProto(request.evidence());
  update.expected_revision = request.expected_revision();
  return core::Mutation{.op = std::move(update),
                        .request_id = request.request_id()};
}

absl::StatusOr<core::Mutation> ToMutation(
    const claims::v1::DeleteClaimRequest& request) {
  core::DeleteClaim del;
  ASSIGN_OR_RETURN(del.claim_id, core::ParseClaimName(request.name(), "name"));
  del.expected_revision = request.expected_revision();
  return core::Mutation{.op = std::move(del),
                        .request_id = request.request_id()};
}

absl::StatusOr<WatchRequest> ParseWatchRequest(
    const grpc::ByteBuffer& raw, const core::RequestLimits& limits) {
  claims::v1::WatchClaimsRequest request;
  grpc::ByteBuffer copy(raw);  // shares the slices; Deserialize consumes
  if (grpc::Status parsed = grpc::SerializationTraits<
          claims::v1::WatchClaimsRequest>::Deserialize(&copy, &request);
      !parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot parse WatchClaimsRequest: ", parsed.error_message()));
  }
  ASSIGN_OR_RETURN(core::Filter filter,
                   core::Filter::Parse(request.filter(), limits));
  if (request.start_revision() < 0) {
    return absl::InvalidArgumentError("start_revision: must not be negative");
  }
  return WatchRequest{.filter = std::move(filter),
                      .start_revision = request.start_revision(),
                      .initial_snapshot = request.initial_snapshot(),
                      .store_id = request.store_id()};
}

}  // namespace claimd::api
