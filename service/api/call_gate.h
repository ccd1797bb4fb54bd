// CallGate: admission of every claims.v1 call, before any store access.
//
// It takes the credentials a call presented (the `authorization` header, the
// common name of a TLS-verified client certificate), asks the Authenticator,
// and answers with the caller's identity or UNAUTHENTICATED /
// PERMISSION_DENIED. With no Authenticator (no --auth_tokens) every call is
// admitted and the identity is the peer's address, which only the watcher
// quota uses. It also hands out watcher quota leases, and stamps the
// authenticated identity as the actor of a mutation's evidence, so events
// record who really made a change rather than what the client typed.
//
// Thread-safety: all methods may be called concurrently; the Authenticator
// and the quota are thread-safe and outlive the gate.
#ifndef CLAIMD_SERVICE_API_CALL_GATE_H_
#define CLAIMD_SERVICE_API_CALL_GATE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "service/api/memory_guard.h"
#include "service/auth/authenticator.h"
#include "service/auth/watcher_quota.h"
#include "service/core/mutation.h"

namespace claimd::api {

// "ipv4:127.0.0.1:5000" -> "ipv4:127.0.0.1": without auth, the watcher
// quotas count per client host.
std::string PeerHost(const std::string& peer);

struct Caller {
  std::string identity;
  // True when `identity` came from credentials (auth is on).
  bool authenticated = false;
  // What the call presented (auth on only), kept so a long call can be
  // authorized again when the credentials file is reloaded.
  std::optional<std::string> authorization;
  std::optional<std::string> certificate_common_name;
};

class CallGate {
 public:
  // `authenticator` may be null (auth off); `quota` must not be. `memory`
  // may be null (no ceiling); it must outlive the gate.
  CallGate(const auth::Authenticator* authenticator, auth::WatcherQuota* quota,
           const MemoryGuard* memory = nullptr)
      : authenticator_(authenticator), quota_(quota), memory_(memory) {}

  // Errors: UNAUTHENTICATED, PERMISSION_DENIED (see the banner);
  // RESOURCE_EXHAUSTED while claimd is over its memory ceiling.
  absl::StatusOr<Caller> Admit(const grpc::CallbackServerContext& context,
                               absl::string_view full_method) const;

  // Decides again, with the credentials in force now, whether `caller` may
  // still call `full_method` (auth on; OK with auth off). Errors: as Admit's.
  absl::Status Reauthorize(const Caller& caller,
                           absl::string_view full_method) const;

  // The authenticator (null with auth off), for reload listeners.
  const auth::Authenticator* authenticator() const { return authenticator_; }

  // With auth on, `request_id` scoped to the caller, so one caller can neither
  // take nor replay another's ids; with auth off (one trust domain) unchanged.
  static std::string ScopedRequestId(const Caller& caller,
                                     const std::string& request_id);

  // Errors: RESOURCE_EXHAUSTED when the caller or the server is at its limit.
  absl::StatusOr<auth::WatcherQuota::Lease> AcquireWatcher(
      const Caller& caller) const {
    return quota_->Acquire(caller.identity);
  }

  // With auth on, every piece of evidence the mutation adds is attributed to
  // the caller.
  static void StampActor(const Caller& caller, core::Mutation& mutation);

 private:
  const auth::Authenticator* const authenticator_;
  auth::WatcherQuota* const quota_;
  const MemoryGuard* const memory_;
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_CALL_GATE_H_
