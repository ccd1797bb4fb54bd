// The one mapping from absl::Status to grpc::Status: every canonical code
// carries over unchanged with its message, and the server's own faults
// (INTERNAL, UNKNOWN, DATA_LOSS) reach the client without their details.
#include "service/api/status_mapping.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace claimd::api {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StatusMapping, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(StatusMapping, CallerFacingCodesKeepTheirCodeAndMessage) {
  const absl::StatusCode kCodes[] = {
      absl::StatusCode::kCancelled,
      absl::StatusCode::kInvalidArgument,
      absl::StatusCode::kDeadlineExceeded,
      absl::StatusCode::kNotFound,
      absl::StatusCode::kAlreadyExists,
      absl::StatusCode::kPermissionDenied,
      absl::StatusCode::kResourceExhausted,
      absl::StatusCode::kFailedPrecondition,
      absl::StatusCode::kAborted,
      absl::StatusCode::kOutOfRange,
      absl::StatusCode::kUnimplemented,
      absl::StatusCode::kUnavailable,
      absl::StatusCode::kUnauthenticated,
  };
  for (absl::StatusCode code : kCodes) {
    const std::string message =
        absl::StrCat("statement: too long (", static_cast<int>(code), ")");
    grpc::Status mapped = ToGrpcStatus(absl::Status(code, message));
    EXPECT_EQ(static_cast<int>(mapped.error_code()), static_cast<int>(code))
        << absl::StatusCodeToString(code);
    EXPECT_EQ(mapped.error_message(), message)
        << absl::StatusCodeToString(code);
    EXPECT_FALSE(IsServerFault(mapped.error_code()))
        << absl::StatusCodeToString(code);
  }
}

TEST(StatusMapping, ServerFaultsHideTheirDetails) {
  const absl::StatusCode kFaults[] = {absl::StatusCode::kInternal,
                                      absl::StatusCode::kUnknown,
                                      absl::StatusCode::kDataLoss};
  for (absl::StatusCode code : kFaults) {
    grpc::Status mapped = ToGrpcStatus(absl::Status(
        code, "sqlite3_step: disk I/O error at /var/lib/claimd/claims.db"));
    EXPECT_EQ(static_cast<int>(mapped.error_code()), static_cast<int>(code));
    EXPECT_TRUE(IsServerFault(mapped.error_code()));
    EXPECT_THAT(mapped.error_message(), Not(HasSubstr("/var/lib/claimd")));
    EXPECT_THAT(mapped.error_message(), Not(HasSubstr("sqlite3_step")));
    EXPECT_THAT(mapped.error_message(), HasSubstr("server log"));
  }
}

}  // namespace
}  // namespace claimd::api
