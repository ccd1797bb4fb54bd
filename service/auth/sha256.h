// SHA-256 of a string, as 64 lowercase hex digits (OpenSSL's libcrypto).
// Bearer tokens are stored and compared only in this form, so the token file
// never holds a usable secret. Thread-safety: pure.
#ifndef CLAIMD_SERVICE_AUTH_SHA256_H_
#define CLAIMD_SERVICE_AUTH_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace claimd::auth {

std::string Sha256Hex(absl::string_view data);

// Compares two equal-length strings in time that depends only on their length,
// so a caller cannot learn a stored hash byte by byte from response times.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace claimd::auth

#endif  // CLAIMD_SERVICE_AUTH_SHA256_H_
