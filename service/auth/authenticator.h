// Authenticator: decides who a caller is and whether its role allows a method.
//
// The gRPC layer hands it what the call presented (the `authorization` header,
// the common name of a verified client certificate) and the method; it answers
// with the caller's Identity, UNAUTHENTICATED or PERMISSION_DENIED. The
// decision never depends on the request body, so a refusal reveals nothing
// about claims.
//
// The credentials file is read at construction and again on Reload (SIGHUP).
// Each load builds a new immutable CredentialTable and swaps a shared_ptr under
// a mutex; calls already deciding keep the snapshot they took. A file that
// fails to load leaves the previous table in force. After a successful load
// every reload listener runs (the server re-authorizes its open streams
// there, so a revoked credential stops what it is already watching).
//
// Thread-safety: all methods may be called concurrently. Lock order:
// listeners_mutex_ before mutex_; listeners run under listeners_mutex_, so
// RemoveReloadListener returns only once no call of that listener is running.
#ifndef CLAIMD_SERVICE_AUTH_AUTHENTICATOR_H_
#define CLAIMD_SERVICE_AUTH_AUTHENTICATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "service/auth/credential_table.h"

namespace claimd::auth {

// What one call presented.
struct PresentedCredentials {
  // The value of the `authorization` header, when the call sent one.
  std::optional<absl::string_view> authorization;
  // The common name of the client certificate, when TLS verified one.
  std::optional<absl::string_view> certificate_common_name;
};

class Authenticator {
 public:
  // Loads `path`. Errors: those of CredentialTable::Load.
  static absl::StatusOr<std::unique_ptr<Authenticator>> FromFile(
      std::string path);
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Reads the file again. On error the previous table stays in force and the
  // error is returned for the caller to log. On success every reload listener
  // runs, on this thread, before Reload returns.
  absl::Status Reload();

  // Runs `listener` after every successful Reload until removed. A listener
  // must not call Reload, AddReloadListener or RemoveReloadListener. Listeners
  // are observers, not part of the credentials, hence const.
  using ListenerId = int64_t;
  ListenerId AddReloadListener(std::function<void()> listener) const;
  // Waits for a running call of the listener to return, then forgets it.
  void RemoveReloadListener(ListenerId id) const;

  // A header, if sent, must be `Bearer <known token>`; otherwise a certificate
  // common name listed in the file identifies the caller. Errors:
  // UNAUTHENTICATED (missing, malformed or unknown credentials),
  // PERMISSION_DENIED (known caller whose role is below what `full_method`
  // needs).
  absl::StatusOr<Identity> Authorize(const PresentedCredentials& presented,
                                     absl::string_view full_method) const;

 private:
  Authenticator(std::string path, CredentialTable table);

  const std::string path_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<const CredentialTable> table_ ABSL_GUARDED_BY(mutex_);
  mutable absl::Mutex listeners_mutex_;
  mutable std::map<ListenerId, std::function<void()>> listeners_
      ABSL_GUARDED_BY(listeners_mutex_);
  mutable ListenerId next_listener_ ABSL_GUARDED_BY(listeners_mutex_) = 0;
};

}  // namespace claimd::auth

#endif  // CLAIMD_SERVICE_AUTH_AUTHENTICATOR_H_
