#include "service/auth/role.h"

#include "gtest/gtest.h"

namespace claimd::auth {
namespace {

TEST(Roles, ParseAndNameRoundTrip) {
  for (Role role : {Role::kReader, Role::kWriter, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
}

TEST(Roles, EachRoleIncludesTheOnesBelow) {
  EXPECT_TRUE(Allows(Role::kAdmin, Role::kWriter));
  EXPECT_TRUE(Allows(Role::kWriter, Role::kReader));
  EXPECT_TRUE(Allows(Role::kReader, Role::kReader));
  EXPECT_FALSE(Allows(Role::kReader, Role::kWriter));
  EXPECT_FALSE(Allows(Role::kWriter, Role::kAdmin));
}

TEST(Roles, MethodTable) {
  const std::string prefix = "/claims.v1.ClaimService/";
  EXPECT_EQ(RequiredRole(prefix + "GetClaim"), Role::kReader);
  EXPECT_EQ(RequiredRole(prefix + "ListClaims"), Role::kReader);
  EXPECT_EQ(RequiredRole(prefix + "ListClaimEvents"), Role::kReader);
  EXPECT_EQ(RequiredRole(prefix + "WatchClaims"), Role::kReader);
  EXPECT_EQ(RequiredRole(prefix + "CreateClaim"), Role::kWriter);
  EXPECT_EQ(RequiredRole(prefix + "UpdateClaimStatus"), Role::kWriter);
  EXPECT_EQ(RequiredRole(prefix + "DeleteClaim"), Role::kAdmin);
}

TEST(Roles, UnknownMethodsNeedAdmin) {
  EXPECT_EQ(RequiredRole("/claims.v1.ClaimService/Compact"), Role::kAdmin);
  EXPECT_EQ(RequiredRole(""), Role::kAdmin);
}

}  // namespace
}  // namespace claimd::auth
