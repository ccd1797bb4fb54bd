#include "service/auth/authenticator.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/auth/sha256.h"
#include "tests/testing/credential_lines.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::auth {
namespace {

using ::claimd::testing::StatusIs;
using ::claimd::testing::TempDir;
using ::claimd::testing::TokenLine;
using ::testing::HasSubstr;

constexpr char kGet[] = "/claims.v1.ClaimService/GetClaim";
constexpr char kDelete[] = "/claims.v1.ClaimService/DeleteClaim";

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

PresentedCredentials Bearer(absl::string_view header) {
  return PresentedCredentials{.authorization = header};
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(path_, TokenLine("reader-token", "rita", "reader") +
                     TokenLine("admin-token", "ada", "admin") +
                     "cert svc-writer writer\n");
    ASSERT_OK_AND_ASSIGN(authenticator_, Authenticator::FromFile(path_));
  }

  TempDir dir_;
  const std::string path_ = dir_.File("credentials");
  std::unique_ptr<Authenticator> authenticator_;
};

TEST_F(AuthenticatorTest, KnownTokenWithEnoughRoleIsAdmitted) {
  ASSERT_OK_AND_ASSIGN(
      Identity identity,
      authenticator_->Authorize(Bearer("Bearer reader-token"), kGet));
  EXPECT_EQ(identity.name, "rita");
  EXPECT_EQ(identity.role, Role::kReader);
  EXPECT_OK(authenticator_->Authorize(Bearer("Bearer admin-token"), kDelete)
                .status());
}

TEST_F(AuthenticatorTest, InsufficientRoleIsPermissionDenied) {
  EXPECT_THAT(authenticator_->Authorize(Bearer("Bearer reader-token"), kDelete),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("rita has role reader")));
}

TEST_F(AuthenticatorTest,
       MissingMalformedOrUnknownCredentialsAreUnauthenticated) {
  EXPECT_THAT(authenticator_->Authorize(PresentedCredentials{}, kGet),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(authenticator_->Authorize(Bearer("reader-token"), kGet),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(authenticator_->Authorize(Bearer("Bearer nope"), kGet),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, CertificateNameIdentifiesWhenNoHeaderIsSent) {
  PresentedCredentials cert{.certificate_common_name = "svc-writer"};
  ASSERT_OK_AND_ASSIGN(
      Identity identity,
      authenticator_->Authorize(cert, "/claims.v1.ClaimService/CreateClaim"));
  EXPECT_EQ(identity.name, "svc-writer");
  EXPECT_THAT(authenticator_->Authorize(cert, kDelete),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      authenticator_->Authorize(
          PresentedCredentials{.certificate_common_name = "stranger"}, kGet),
      StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, ABadTokenIsNotRescuedByAValidCertificate) {
  PresentedCredentials both{.authorization = "Bearer nope",
                            .certificate_common_name = "svc-writer"};
  EXPECT_THAT(authenticator_->Authorize(both, kGet),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, ReloadSwapsTheTable) {
  Write(path_, TokenLine("new-token", "nina", "writer"));
  ASSERT_OK(authenticator_->Reload());
  EXPECT_THAT(authenticator_->Authorize(Bearer("Bearer reader-token"), kGet),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_OK(
      authenticator_->Authorize(Bearer("Bearer new-token"), kGet).status());
}

TEST_F(AuthenticatorTest, ABadFileOnReloadKeepsThePreviousTable) {
  Write(path_, "token not-a-hash nina writer\n");
  EXPECT_THAT(authenticator_->Reload(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("credentials line 1")));
  EXPECT_OK(
      authenticator_->Authorize(Bearer("Bearer reader-token"), kGet).status());
  std::remove(path_.c_str());
  EXPECT_THAT(authenticator_->Reload(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(
      authenticator_->Authorize(Bearer("Bearer reader-token"), kGet).status());
}

TEST(Authenticator, StartingWithABadFileFails) {
  TempDir dir;
  Write(dir.File("credentials"), "cert a superuser\n");
  EXPECT_THAT(Authenticator::FromFile(dir.File("credentials")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace claimd::auth
