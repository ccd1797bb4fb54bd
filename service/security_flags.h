// claimd's security and abuse-limit flags (TLS, credentials, HTTP/2 and
// watcher limits) and what main.cc builds from them. Kept apart from main.cc so
// the wiring there stays short; `claimd --help` lists these flags too.
#ifndef CLAIMD_SERVICE_SECURITY_FLAGS_H_
#define CLAIMD_SERVICE_SECURITY_FLAGS_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "service/api/server.h"
#include "service/auth/authenticator.h"

namespace claimd {

struct SecuritySetup {
  // Null when --auth_tokens is not given (every caller may do everything).
  std::unique_ptr<auth::Authenticator> authenticator;
};

// With --hash_token: reads a token from stdin, prints the line to put in the
// credentials file and returns the exit code. nullopt without the flag.
std::optional<int> MaybeHashToken();

// Reads the TLS files the flags name, before anything else starts, so that a
// missing certificate is one error line and nothing bound or created (deploy
// files mount them). Errors: as ApplySecurityFlags for the TLS flags.
absl::Status CheckTlsFiles();

// Checks the flags, loads the credentials file and the TLS files, and fills
// the security fields of `options` (which must already hold listen_address).
// Errors: INVALID_ARGUMENT for inconsistent flags (a non-loopback address
// without TLS or --insecure, half a key pair), NOT_FOUND for unreadable files.
absl::StatusOr<SecuritySetup> ApplySecurityFlags(api::ServerOptions& options);

}  // namespace claimd

#endif  // CLAIMD_SERVICE_SECURITY_FLAGS_H_
