// Lines of a claimd credentials file (service/auth/credential_table.h) for
// tests: the token is hashed as claimd --hash_token would. Link claimd_auth.
#ifndef CLAIMD_TESTS_TESTING_CREDENTIAL_LINES_H_
#define CLAIMD_TESTS_TESTING_CREDENTIAL_LINES_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "service/auth/sha256.h"

namespace claimd::testing {

inline std::string TokenLine(absl::string_view token,
                             absl::string_view identity,
                             absl::string_view role) {
  return absl::StrCat("token sha256:", auth::Sha256Hex(token), " ", identity,
                      " ", role, "\n");
}

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_TESTING_CREDENTIAL_LINES_H_
