// libFuzzer target: decoding of every claims.v1 request message and the path
// each takes in claimd before the store: proto -> core conversion, mutation
// validation, the core's rules (ApplyMutation), resource names, filters and
// page tokens, and back to proto. The first byte picks the message type; the
// rest is its wire encoding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"
#include "service/api/proto_convert.h"
#include "service/core/claim_id.h"
#include "service/core/filter/filter.h"
#include "service/core/mutation.h"
#include "service/core/page_token.h"

namespace {

namespace v1 = ::claims::v1;
namespace core = ::claimd::core;

const core::Claim& CurrentClaim() {
  static const auto* const claim = [] {
    auto* claim = new core::Claim();
    claim->id = "dams";
    claim->statement = "The dams burst";
    claim->status = core::VerificationStatus::kReported;
    claim->revision = 3;
    claim->create_revision = 1;
    return claim;
  }();
  return *claim;
}

// Validates and applies `mutation` as the store would, then converts the event
// back to proto.
void Apply(const absl::StatusOr<core::Mutation>& mutation) {
  if (!mutation.ok() || !core::ValidateMutation(*mutation).ok()) return;
  core::MutationFingerprint(*mutation);
  const bool creates = std::holds_alternative<core::CreateClaim>(mutation->op);
  absl::StatusOr<core::ClaimEvent> event =
      core::ApplyMutation(*mutation, creates ? nullptr : &CurrentClaim(), 4,
                          absl::FromUnixSeconds(1714816800));
  if (!event.ok()) return;
  v1::ClaimEvent out;
  claimd::api::ToProto(*event, &out);
  out.SerializeAsString();
}

template <typename Request>
bool Decode(const uint8_t* data, size_t size, Request& request) {
  return request.ParseFromArray(data, static_cast<int>(size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t type = data[0] % 7;
  ++data;
  --size;
  switch (type) {
    case 0: {
      v1::CreateClaimRequest request;
      if (!Decode(data, size, request)) return 0;
      bool generated = request.claim_id().empty();
      Apply(claimd::api::ToMutation(
          request, generated ? "generated" : request.claim_id(), generated));
      break;
    }
    case 1: {
      v1::UpdateClaimStatusRequest request;
      if (Decode(data, size, request)) Apply(claimd::api::ToMutation(request));
      break;
    }
    case 2: {
      v1::DeleteClaimRequest request;
      if (Decode(data, size, request)) Apply(claimd::api::ToMutation(request));
      break;
    }
    case 3: {
      v1::GetClaimRequest request;
      if (Decode(data, size, request)) {
        static_cast<void>(core::ParseClaimName(request.name(), "name"));
      }
      break;
    }
    case 4: {
      v1::ListClaimsRequest request;
      if (!Decode(data, size, request)) return 0;
      static_cast<void>(core::Filter::Parse(request.filter()));
      static_cast<void>(
          core::DecodePageToken(request.page_token(), request.filter()));
      break;
    }
    case 5: {
      v1::ListClaimEventsRequest request;
      if (!Decode(data, size, request)) return 0;
      static_cast<void>(core::ParseClaimName(request.parent(), "parent"));
      static_cast<void>(
          core::DecodePageToken(request.page_token(), request.parent()));
      break;
    }
    case 6: {
      v1::WatchClaimsRequest request;
      if (Decode(data, size, request))
        static_cast<void>(core::Filter::Parse(request.filter()));
      break;
    }
    default:  // unreachable: type is below 7
      break;
  }
  return 0;
}
