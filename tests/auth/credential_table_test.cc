#include "service/auth/credential_table.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/auth/sha256.h"
#include "tests/testing/credential_lines.h"
#include "tests/testing/status_matchers.h"

namespace claimd::auth {
namespace {

using ::claimd::testing::StatusIs;
using ::claimd::testing::TokenLine;
using ::testing::HasSubstr;

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(CredentialTable, FindsTokensByTheirHashAndCertificatesByName) {
  std::string text = absl::StrCat(
      "# claimd credentials\n\n", TokenLine("s3cret", "alice", "writer"), "  ",
      TokenLine("other", "bob", "reader"),
      "cert ingest.example.org admin   # the ingest service\n");
  ASSERT_OK_AND_ASSIGN(CredentialTable table, CredentialTable::Parse(text));
  EXPECT_EQ(table.size(), 3u);
  std::optional<Identity> alice = table.FindToken("s3cret");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->role, Role::kWriter);
  EXPECT_EQ(table.FindToken("other")->name, "bob");
  EXPECT_EQ(table.FindToken("s3cre"), std::nullopt);
  EXPECT_EQ(table.FindToken(Sha256Hex("s3cret")), std::nullopt);
  std::optional<Identity> ingest = table.FindCertificate("ingest.example.org");
  ASSERT_TRUE(ingest.has_value());
  EXPECT_EQ(ingest->role, Role::kAdmin);
  EXPECT_EQ(table.FindCertificate("alice"), std::nullopt);
}

TEST(CredentialTable, RejectsMalformedLinesNamingTheLine) {
  const std::string hash = Sha256Hex("x");
  for (const std::string& bad : {
           std::string("password alice admin"),
           absl::StrCat("token ", hash, " alice admin"),  // no sha256:
           absl::StrCat("token sha256:", hash.substr(1), " alice admin"),
           absl::StrCat("token sha256:", absl::AsciiStrToUpper(hash),
                        " alice admin"),
           absl::StrCat("token sha256:", hash, " alice root"),
           absl::StrCat("token sha256:", hash, " al/ice reader"),
           absl::StrCat("token sha256:", hash, " alice"),
           std::string("cert alice"),
           std::string("cert alice bob reader"),
       }) {
    EXPECT_THAT(CredentialTable::Parse("# ok\n" + bad + "\n"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("credentials line 2")))
        << bad;
  }
}

TEST(CredentialTable, LoadReportsAMissingFile) {
  EXPECT_THAT(CredentialTable::Load("/nonexistent/claimd-credentials"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(BearerHeader, AcceptsOnlyTheBearerScheme) {
  EXPECT_EQ(ParseBearerHeader("Bearer abc"), "abc");
  EXPECT_EQ(ParseBearerHeader("bearer  abc "), "abc");
  EXPECT_EQ(ParseBearerHeader("Basic abc"), std::nullopt);
  EXPECT_EQ(ParseBearerHeader("Bearer "), std::nullopt);
  EXPECT_EQ(ParseBearerHeader("abc"), std::nullopt);
}

}  // namespace
}  // namespace claimd::auth
