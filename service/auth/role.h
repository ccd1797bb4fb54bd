// Roles and the role each claims.v1 method needs.
//
// Three roles, each including the one before: a reader may read and watch; a
// writer may also create claims and record verdicts; an admin may also delete
// claims (and whatever operational methods come later). The table of methods is
// here, in plain C++, so that it is unit tested without a server and the gRPC
// layer only looks it up. Thread-safety: pure functions over constant data.
#ifndef CLAIMD_SERVICE_AUTH_ROLE_H_
#define CLAIMD_SERVICE_AUTH_ROLE_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace claimd::auth {

enum class Role { kReader = 1, kWriter = 2, kAdmin = 3 };

// "reader", "writer", "admin"; nullopt for anything else.
std::optional<Role> ParseRole(absl::string_view name);
absl::string_view RoleName(Role role);

// True when `held` is `needed` or a role above it.
inline bool Allows(Role held, Role needed) {
  return static_cast<int>(held) >= static_cast<int>(needed);
}

// The role the table gives `full_method` ("/claims.v1.ClaimService/GetClaim"),
// nullopt when it has no entry (tests/api/method_roles_test.cc checks that
// every method of the service has one).
std::optional<Role> TableRole(absl::string_view full_method);

// The role a call of `full_method` needs: its table entry; kAdmin for a method
// missing from the table, so that a method the test did not catch is closed
// rather than open.
Role RequiredRole(absl::string_view full_method);

}  // namespace claimd::auth

#endif  // CLAIMD_SERVICE_AUTH_ROLE_H_
