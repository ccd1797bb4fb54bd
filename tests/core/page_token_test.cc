// Unit tests for page tokens (service/core/page_token.h): a token decodes back
// to its position for the same scope, and is INVALID_ARGUMENT for any other
// scope or when it is not a token this server made.
#include "service/core/page_token.h"

#include <cctype>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::core {
namespace {

using ::claimd::testing::StatusIs;
using ::testing::StartsWith;

TEST(PageToken, RoundTripsThePosition) {
  std::string token = EncodePageToken("status = CONFIRMED", "claim-42");
  ASSERT_OK_AND_ASSIGN(std::string position,
                       DecodePageToken(token, "status = CONFIRMED"));
  EXPECT_EQ(position, "claim-42");
}

TEST(PageToken, RoundTripsAnyBytes) {
  for (const std::string& position :
       {std::string(""), std::string("a\nb\nc"), std::string("\0\xff\x01", 3),
        std::string(5000, 'p')}) {
    std::string token = EncodePageToken("", position);
    ASSERT_OK_AND_ASSIGN(std::string decoded, DecodePageToken(token, ""));
    EXPECT_EQ(decoded, position);
  }
}

TEST(PageToken, RoundTripsScopesWithNewlines) {
  std::string scope = "status = CONFIRMED\nOR status = DENIED";
  std::string token = EncodePageToken(scope, "17");
  ASSERT_OK_AND_ASSIGN(std::string position, DecodePageToken(token, scope));
  EXPECT_EQ(position, "17");
}

TEST(PageToken, IsUrlSafe) {
  std::string token = EncodePageToken("labels.desk = \"w?rld\"",
                                      std::string("\xff\xfe\xfd", 3));
  for (char c : token) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                c == '_')
        << "'" << c << "' in " << token;
  }
}

TEST(PageToken, TokenFromAnotherScopeIsInvalidArgument) {
  std::string token = EncodePageToken("status = CONFIRMED", "claim-42");
  EXPECT_THAT(DecodePageToken(token, "status = DENIED"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("page_token: was issued for a different")));
  EXPECT_THAT(DecodePageToken(token, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageToken, TokenFromAnotherParentIsInvalidArgument) {
  std::string token = EncodePageToken("claims/-", "100");
  EXPECT_THAT(
      DecodePageToken(token, "claims/abc"),
      StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("page_token:")));
}

TEST(PageToken, GarbageIsInvalidArgument) {
  for (absl::string_view token :
       {"!!!!", "not a token", "a", "====", "%2F%2F"}) {
    EXPECT_THAT(
        DecodePageToken(token, ""),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("page_token:")))
        << "\"" << token << "\"";
  }
}

TEST(PageToken, WellFormedBase64ThatIsNotATokenIsInvalidArgument) {
  for (absl::string_view raw :
       {"hello", "p1", "p1\nonly-two-parts", "p2\n0\nposition", "\n\n"}) {
    EXPECT_THAT(
        DecodePageToken(absl::WebSafeBase64Escape(raw), ""),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("page_token:")))
        << "\"" << raw << "\"";
  }
}

TEST(PageToken, TruncatedTokenIsRejected) {
  std::string token = EncodePageToken("scope", "position");
  // Cut inside the scope digest, so the remains cannot be a valid token.
  EXPECT_THAT(DecodePageToken(token.substr(0, 6), "scope"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace claimd::core
