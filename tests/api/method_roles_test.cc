// Every method of claims.v1.ClaimService, as the proto declares it, has an
// entry in the role table: a method added to the proto without one fails here
// instead of silently becoming admin-only. The method-name constants match the
// descriptor as well.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "service/auth/methods.h"
#include "service/auth/role.h"

namespace claimd::auth {
namespace {

std::set<std::string> DeclaredMethods() {
  const google::protobuf::ServiceDescriptor* service =
      claims::v1::Claim::descriptor()->file()->FindServiceByName(
          "ClaimService");
  std::set<std::string> names;
  if (service == nullptr) return names;
  for (int i = 0; i < service->method_count(); ++i) {
    names.insert(absl::StrCat("/", service->full_name(), "/",
                              service->method(i)->name()));
  }
  return names;
}

TEST(MethodRoles, EveryDeclaredMethodHasARole) {
  const std::set<std::string> declared = DeclaredMethods();
  ASSERT_GE(declared.size(), 7u) << "the ClaimService descriptor was not found";
  for (const std::string& method : declared) {
    EXPECT_TRUE(TableRole(method).has_value())
        << method << " has no entry in service/auth/role.cc";
  }
}

TEST(MethodRoles, MethodConstantsNameDeclaredMethods) {
  const std::set<std::string> declared = DeclaredMethods();
  for (absl::string_view constant :
       {methods::kCreateClaim, methods::kGetClaim, methods::kListClaims,
        methods::kUpdateClaimStatus, methods::kDeleteClaim,
        methods::kListClaimEvents, methods::kWatchClaims}) {
    EXPECT_TRUE(declared.count(std::string(constant)))
        << constant << " is not a method of the proto";
  }
}

TEST(MethodRoles, UnknownMethodsNeedAdmin) {
  EXPECT_FALSE(TableRole("/claims.v1.ClaimService/Nope").has_value());
  EXPECT_EQ(RequiredRole("/claims.v1.ClaimService/Nope"), Role::kAdmin);
}

}  // namespace
}  // namespace claimd::auth
