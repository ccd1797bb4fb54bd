#include "service/api/call_gate.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "service/auth/certificate_subject.h"

namespace claimd::api {
namespace {

// The credentials a caller showed when it was admitted, as the authenticator
// takes them (on admission, and again on every credentials reload).
auth::PresentedCredentials Presented(const Caller& caller) {
  auth::PresentedCredentials presented;
  if (caller.authorization) presented.authorization = *caller.authorization;
  if (caller.certificate_common_name) {
    presented.certificate_common_name = *caller.certificate_common_name;
  }
  return presented;
}

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
  Caller caller{.authenticated = true};
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    caller.authorization = std::string(View(it->second));
  }
  // A bearer token decides when one is sent (authenticator.h), so the
  // certificate is read only for calls without one: no PEM parse per call
  // for token callers.
  std::shared_ptr<const grpc::AuthContext> auth_context =
      caller.authorization ? nullptr : context.auth_context();
  if (auth_context != nullptr && auth_context->IsPeerAuthenticated()) {
    // The name comes from the verified certificate itself, not gRPC's CN
    // property, which shows one of several CNs (certificate_subject.h).
    std::vector<grpc::string_ref> pems =
        auth_context->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    if (!pems.empty()) {
      absl::StatusOr<std::string> name =
          auth::CertificateCommonName(View(pems.front()));
      if (!name.ok()) return name.status();
      caller.certificate_common_name = *std::move(name);
    }
  }
  absl::StatusOr<auth::Identity> identity =
      authenticator_->Authorize(Presented(caller), full_method);
  if (!identity.ok()) return identity.status();
  caller.identity = identity->name;
  return caller;
}

absl::Status CallGate::Reauthorize(const Caller& caller,
                                   absl::string_view full_method) const {
  if (authenticator_ == nullptr || !caller.authenticated) {
    return absl::OkStatus();
  }
  absl::StatusOr<auth::Identity> identity =
      authenticator_->Authorize(Presented(caller), full_method);
  if (!identity.ok()) return identity.status();
  // A credential now naming someone else is a different caller: what the
  // stream was admitted as is gone.
  if (identity->name != caller.identity) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the credentials of ", caller.identity, " were reassigned"));
  }
  return absl::OkStatus();
}

std::string CallGate::ScopedRequestId(const Caller& caller,
                                      const std::string& request_id) {
  if (!caller.authenticated || request_id.empty()) return request_id;
  // Identities never contain '/', so no two callers' scoped ids collide.
  return absl::StrCat(caller.identity, "/", request_id);
}

void CallGate::StampActor(const Caller& caller, core::Mutation& mutation) {
  if (!caller.authenticated) return;
  if (auto* create = std::get_if<core::CreateClaim>(&mutation.op)) {
    core::EvidenceList& evidence = create->claim.evidence;
    for (size_t i = 0; i < evidence.size(); ++i)
      evidence.Mutable(i).actor = caller.identity;
  } else if (auto* update =
                 std::get_if<core::UpdateClaimStatus>(&mutation.op)) {
    update->evidence.actor = caller.identity;
  } else if (auto* del = std::get_if<core::DeleteClaim>(&mutation.op)) {
    del->actor = caller.identity;
  }
}

}  // namespace claimd::api
