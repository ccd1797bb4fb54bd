#include "service/api/call_gate.h"

#include <variant>

#include "grpc/grpc_security_constants.h"

namespace claimd::api {
namespace {

absl::string_view View(const grpc::string_ref& ref) {
  return absl::string_view(ref.data(), ref.size());
}

}  // namespace

std::string PeerHost(const std::string& peer) {
  size_t colon = peer.rfind(':');
  return colon == std::string::npos || colon < peer.find(':')
             ? peer
             : peer.substr(0, colon);
}

absl::StatusOr<Caller> CallGate::Admit(
    const grpc::CallbackServerContext& context,
    absl::string_view full_method) const {
  if (memory_ != nullptr && memory_->over_ceiling()) {
    return absl::ResourceExhaustedError(
        "claimd is over its memory ceiling (--max_rss_mib); retry later");
  }
  if (authenticator_ == nullptr) {
    return Caller{.identity = PeerHost(context.peer()), .authenticated = false};
  }
  auth::PresentedCredentials presented;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    presented.authorization = View(it->second);
  }
  std::shared_ptr<const grpc::AuthContext> auth_context =
      context.auth_context();
  std::vector<grpc::string_ref> names;
  if (auth_context != nullptr && auth_context->IsPeerAuthenticated()) {
    names = auth_context->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  }
  if (!names.empty()) presented.certificate_common_name = View(names.front());
  absl::StatusOr<auth::Identity> identity =
      authenticator_->Authorize(presented, full_method);
  if (!identity.ok()) return identity.status();
  return Caller{.identity = identity->name, .authenticated = true};
}

void CallGate::StampActor(const Caller& caller, core::Mutation& mutation) {
  if (!caller.authenticated) return;
  if (auto* create = std::get_if<core::CreateClaim>(&mutation.op)) {
    for (core::Evidence& evidence : create->claim.evidence) {
      evidence.actor = caller.identity;
    }
  } else if (auto* update =
                 std::get_if<core::UpdateClaimStatus>(&mutation.op)) {
    update->evidence.actor = caller.identity;
  }
}

}  // namespace claimd::api
