// CredentialTable: who may call claimd, parsed from the credentials file given
// with --auth_tokens. One entry per line; '#' starts a comment:
//
//   token sha256:<64 hex digits> <identity> <role>   # a bearer token, hashed
//   cert <certificate common name> <role>            # an mTLS client cert
//
// Identities and common names are 1-128 characters of [A-Za-z0-9._@:+-]; a
// role is reader, writer or admin. The hash of a token is `claimd
// --hash_token=TOKEN` (or `printf %s TOKEN | sha256sum`). Tokens are compared
// by their hashes in constant time, so the file holds no usable secret.
//
// Thread-safety: immutable after Parse; share it as a const snapshot.
#ifndef CLAIMD_SERVICE_AUTH_CREDENTIAL_TABLE_H_
#define CLAIMD_SERVICE_AUTH_CREDENTIAL_TABLE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/auth/role.h"

namespace claimd::auth {

struct Identity {
  std::string name;
  Role role = Role::kReader;
};

class CredentialTable {
 public:
  // Errors: INVALID_ARGUMENT naming the line and what is wrong with it.
  static absl::StatusOr<CredentialTable> Parse(absl::string_view text);
  // Errors: NOT_FOUND / PERMISSION_DENIED when unreadable, else Parse's.
  static absl::StatusOr<CredentialTable> Load(const std::string& path);

  // The identity holding this bearer token, if any. Every entry is compared,
  // whether or not an earlier one matched.
  std::optional<Identity> FindToken(absl::string_view token) const;
  // The identity for a verified client certificate with this common name.
  std::optional<Identity> FindCertificate(absl::string_view common_name) const;

  size_t size() const { return tokens_.size() + certificates_.size(); }

 private:
  struct TokenEntry {
    std::string sha256_hex;
    Identity identity;
  };
  std::vector<TokenEntry> tokens_;
  std::vector<Identity> certificates_;  // name = the common name
};

// "Bearer <token>" (scheme case-insensitive, RFC 6750) -> the token; nullopt
// for any other form.
std::optional<absl::string_view> ParseBearerHeader(absl::string_view value);

}  // namespace claimd::auth

#endif  // CLAIMD_SERVICE_AUTH_CREDENTIAL_TABLE_H_
