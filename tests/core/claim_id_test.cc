// Unit tests for claim ids (service/core/claim_id.h): the id grammar
// [a-z0-9][a-z0-9-]{0,62}, parsing "claims/{id}" names, and generated ids.
#include "service/core/claim_id.h"

#include <initializer_list>
#include <random>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/claim.h"
#include "tests/testing/status_matchers.h"

namespace claimd::core {
namespace {

using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

TEST(ValidateClaimId, AcceptsLowerCaseLettersDigitsAndDashes) {
  EXPECT_THAT(ValidateClaimId("a", "claim_id"), IsOk());
  EXPECT_THAT(ValidateClaimId("0", "claim_id"), IsOk());
  EXPECT_THAT(ValidateClaimId("minister-resigned-2024", "claim_id"), IsOk());
  EXPECT_THAT(ValidateClaimId("a-", "claim_id"), IsOk());
  EXPECT_THAT(ValidateClaimId("9--9", "claim_id"), IsOk());
}

TEST(ValidateClaimId, AcceptsSixtyThreeBytes) {
  EXPECT_THAT(ValidateClaimId(std::string(63, 'x'), "claim_id"), IsOk());
}

TEST(ValidateClaimId, RejectsSixtyFourBytes) {
  EXPECT_THAT(
      ValidateClaimId(std::string(64, 'x'), "claim_id"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit is 63")));
}

TEST(ValidateClaimId, RejectsEmpty) {
  EXPECT_THAT(ValidateClaimId("", "claim_id"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("claim_id: is empty")));
}

TEST(ValidateClaimId, RejectsLeadingDash) {
  EXPECT_THAT(ValidateClaimId("-abc", "claim_id"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("claim_id: must start with")));
}

TEST(ValidateClaimId, RejectsEveryCharacterOutsideTheGrammar) {
  for (absl::string_view id : std::initializer_list<absl::string_view>{
           "Abc", "abC", "a_b", "a.b", "a b", "a/b", "a:b", "\xc3\xa9t\xc3\xa9",
           "a\nb", absl::string_view("a\0b", 3)}) {
    EXPECT_THAT(ValidateClaimId(id, "claim_id"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "\"" << id << "\"";
  }
}

TEST(ValidateClaimId, NamesTheFieldAndTheCharacter) {
  EXPECT_THAT(ValidateClaimId("abX", "name"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("name: character 3 is not allowed")));
}

TEST(ParseClaimName, ReturnsTheId) {
  ASSERT_OK_AND_ASSIGN(std::string id, ParseClaimName("claims/abc-1", "name"));
  EXPECT_EQ(id, "abc-1");
}

TEST(ParseClaimName, RejectsEmptyName) {
  EXPECT_THAT(ParseClaimName("", "name"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("name: is empty")));
}

TEST(ParseClaimName, RejectsNameWithoutPrefix) {
  for (absl::string_view name :
       {"abc", "claim/abc", "Claims/abc", "/claims/abc", "claimsabc"}) {
    EXPECT_THAT(ParseClaimName(name, "name"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("claims/{claim_id}")))
        << name;
  }
}

TEST(ParseClaimName, RejectsPrefixWithoutId) {
  EXPECT_THAT(ParseClaimName("claims/", "name"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("name: is empty")));
}

TEST(ParseClaimName, RejectsInvalidId) {
  EXPECT_THAT(
      ParseClaimName("claims/ABC", "parent"),
      StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("parent:")));
  EXPECT_THAT(ParseClaimName("claims/a/b", "name"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseClaimName, RejectsTheAllClaimsParent) {
  EXPECT_THAT(ParseClaimName(kAllClaimsParent, "name"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(GenerateClaimId, IsSixteenCharactersOfLowerCaseBase32) {
  std::mt19937_64 gen(1);
  for (int i = 0; i < 1000; ++i) {
    std::string id = GenerateClaimId(gen);
    EXPECT_THAT(id, MatchesRegex("[a-z2-7]{16}"));
  }
}

TEST(GenerateClaimId, PassesValidateClaimId) {
  std::mt19937_64 gen(2);
  for (int i = 0; i < 1000; ++i) {
    std::string id = GenerateClaimId(gen);
    EXPECT_THAT(ValidateClaimId(id, "claim_id"), IsOk()) << id;
  }
}

TEST(GenerateClaimId, IsDeterministicForTheSameGenerator) {
  std::mt19937_64 a(7);
  std::mt19937_64 b(7);
  EXPECT_EQ(GenerateClaimId(a), GenerateClaimId(b));
}

TEST(GenerateClaimId, DoesNotRepeat) {
  std::mt19937_64 gen(3);
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(seen.insert(GenerateClaimId(gen)).second);
  }
}

TEST(GenerateClaimId, UsesTheWholeAlphabet) {
  std::mt19937_64 gen(4);
  absl::flat_hash_set<char> used;
  for (int i = 0; i < 200; ++i) {
    for (char c : GenerateClaimId(gen)) used.insert(c);
  }
  EXPECT_EQ(used.size(), 32u);
}

}  // namespace
}  // namespace claimd::core
