// The full gRPC names of claims.v1.ClaimService's methods, written once: the
// role table, the handlers' admission checks and the tests use these. A test
// (tests/api/method_roles_test.cc) walks the service descriptor and fails when
// a method of the proto has no entry in the role table.
//
// Thread-safety: constants only.
#ifndef CLAIMD_SERVICE_AUTH_METHODS_H_
#define CLAIMD_SERVICE_AUTH_METHODS_H_

#include "absl/strings/string_view.h"

namespace claimd::auth::methods {

inline constexpr absl::string_view kCreateClaim =
    "/claims.v1.ClaimService/CreateClaim";
inline constexpr absl::string_view kGetClaim =
    "/claims.v1.ClaimService/GetClaim";
inline constexpr absl::string_view kListClaims =
    "/claims.v1.ClaimService/ListClaims";
inline constexpr absl::string_view kUpdateClaimStatus =
    "/claims.v1.ClaimService/UpdateClaimStatus";
inline constexpr absl::string_view kDeleteClaim =
    "/claims.v1.ClaimService/DeleteClaim";
inline constexpr absl::string_view kListClaimEvents =
    "/claims.v1.ClaimService/ListClaimEvents";
inline constexpr absl::string_view kWatchClaims =
    "/claims.v1.ClaimService/WatchClaims";

}  // namespace claimd::auth::methods

#endif  // CLAIMD_SERVICE_AUTH_METHODS_H_
