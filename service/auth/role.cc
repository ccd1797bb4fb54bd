#include "service/auth/role.h"

#include <utility>

#include "service/auth/methods.h"

namespace claimd::auth {
namespace {

constexpr std::pair<absl::string_view, Role> kMethodRoles[] = {
    {methods::kGetClaim, Role::kReader},
    {methods::kListClaims, Role::kReader},
    {methods::kListClaimEvents, Role::kReader},
    {methods::kWatchClaims, Role::kReader},
    {methods::kCreateClaim, Role::kWriter},
    {methods::kUpdateClaimStatus, Role::kWriter},
    {methods::kDeleteClaim, Role::kAdmin},
};

}  // namespace

std::optional<Role> ParseRole(absl::string_view name) {
  if (name == "reader") return Role::kReader;
  if (name == "writer") return Role::kWriter;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> TableRole(absl::string_view full_method) {
  for (const auto& [method, role] : kMethodRoles) {
    if (method == full_method) return role;
  }
  return std::nullopt;
}

Role RequiredRole(absl::string_view full_method) {
  return TableRole(full_method).value_or(Role::kAdmin);
}

}  // namespace claimd::auth
