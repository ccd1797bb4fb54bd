#include "service/auth/role.h"

#include <utility>

namespace claimd::auth {
namespace {

constexpr std::pair<absl::string_view, Role> kMethodRoles[] = {
    {"/claims.v1.ClaimService/GetClaim", Role::kReader},
    {"/claims.v1.ClaimService/ListClaims", Role::kReader},
    {"/claims.v1.ClaimService/ListClaimEvents", Role::kReader},
    {"/claims.v1.ClaimService/WatchClaims", Role::kReader},
    {"/claims.v1.ClaimService/CreateClaim", Role::kWriter},
    {"/claims.v1.ClaimService/UpdateClaimStatus", Role::kWriter},
    {"/claims.v1.ClaimService/DeleteClaim", Role::kAdmin},
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

Role RequiredRole(absl::string_view full_method) {
  for (const auto& [method, role] : kMethodRoles) {
    if (method == full_method) return role;
  }
  return Role::kAdmin;
}

}  // namespace claimd::auth
