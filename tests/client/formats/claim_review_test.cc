// The schema.org ClaimReview mapping (claim_review.h), its import plan, and
// how an import's input is split into entries.
#include "client/formats/claim_review.h"

#include <string>
#include <vector>

#include "client/formats/import.h"
#include "client/formats/import_input.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr auto kReported = v1::VERIFICATION_STATUS_REPORTED;
constexpr auto kConfirmed = v1::VERIFICATION_STATUS_CONFIRMED;
constexpr auto kDenied = v1::VERIFICATION_STATUS_DENIED;

TEST(VerdictFromRating, KnownWordsWinWhateverTheirCase) {
  EXPECT_EQ(*VerdictFromRating("False", 5, 5, 1), kDenied);
  EXPECT_EQ(*VerdictFromRating("  Pants on Fire! ", std::nullopt, std::nullopt,
                               std::nullopt),
            kDenied);
  EXPECT_EQ(*VerdictFromRating("Mostly True.", std::nullopt, std::nullopt,
                               std::nullopt),
            kConfirmed);
  EXPECT_EQ(
      *VerdictFromRating("half-true", std::nullopt, std::nullopt, std::nullopt),
      kReported);
}

TEST(VerdictFromRating, NumbersArePlacedOnTheScale) {
  // Default scale 1..5: 1-2 denied, 3 reported, 4-5 confirmed.
  const std::vector<std::pair<double, v1::VerificationStatus>> expected = {
      {1, kDenied},
      {2, kDenied},
      {3, kReported},
      {4, kConfirmed},
      {5, kConfirmed}};
  for (const auto& [value, status] : expected) {
    EXPECT_EQ(*VerdictFromRating("", value, std::nullopt, std::nullopt), status)
        << value;
  }
  // A 0..10 scale, and a reversed one (1 best, 6 worst).
  EXPECT_EQ(*VerdictFromRating("", 7, 10, 0), kConfirmed);
  EXPECT_EQ(*VerdictFromRating("", 5, 10, 0), kReported);
  EXPECT_EQ(*VerdictFromRating("", 1, 1, 6), kConfirmed);
  EXPECT_EQ(*VerdictFromRating("", 6, 1, 6), kDenied);
  // An unknown word falls back to the number.
  EXPECT_EQ(*VerdictFromRating("Four Pinocchios", 1, 5, 1), kDenied);
}

TEST(VerdictFromRating, NoVerdictIsInvalidArgument) {
  EXPECT_THAT(
      VerdictFromRating("Spicy", std::nullopt, std::nullopt, std::nullopt),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"Spicy\"")));
  EXPECT_THAT(VerdictFromRating("", std::nullopt, std::nullopt, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      VerdictFromRating("", 9, 5, 1),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside 1..5")));
  EXPECT_THAT(VerdictFromRating("", 3, 3, 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseClaimReview, MapsStatementVerdictAuthorAndUrl) {
  absl::StatusOr<v1::Claim> claim = ParseClaimReview(R"({
    "@context": "https://schema.org", "@type": "ClaimReview",
    "url": "https://factcheck.example/bridge",
    "claimReviewed": "The bridge was closed for a year",
    "author": {"@type": "Organization", "name": "Example Checks"},
    "datePublished": "2024-03-05",
    "reviewRating": {"@type": "Rating", "ratingValue": "2",
                     "bestRating": 5, "worstRating": 1}})");
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_THAT(claim->name(), MatchesRegex("claims/cr-[0-9a-f]{16}"));
  EXPECT_EQ(claim->name(),
            "claims/" + DerivedClaimId("https://factcheck.example/bridge"));
  EXPECT_EQ(claim->statement(), "The bridge was closed for a year");
  EXPECT_EQ(claim->status(), kDenied);
  ASSERT_EQ(claim->evidence_size(), 1);
  EXPECT_EQ(claim->evidence(0).source(), "Example Checks");
  EXPECT_EQ(claim->evidence(0).url(), "https://factcheck.example/bridge");
  EXPECT_EQ(claim->evidence(0).status(), kDenied);
  EXPECT_EQ(claim->evidence(0).time().seconds(), 1709596800);  // 2024-03-05
}

TEST(ParseClaimReview, IdentifierNamesTheClaimAndAuthorMayBeAStringOrList) {
  absl::StatusOr<v1::Claim> claim = ParseClaimReview(
      R"({"identifier": "claims/border", "claimReviewed": "x",
          "author": ["Desk A", "Desk B"],
          "reviewRating": {"alternateName": "True"}})");
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ(claim->name(), "claims/border");
  EXPECT_EQ(claim->evidence(0).source(), "Desk A");
  EXPECT_EQ(claim->evidence(0).quote(), "True");
  claim = ParseClaimReview(
      R"({"claimReviewed": "y", "reviewRating": {"ratingValue": 3}})");
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ(claim->status(), kReported);
  EXPECT_EQ(claim->evidence_size(), 0);  // no author, no evidence
}

TEST(ParseClaimReview, RejectsWhatIsNotAReview) {
  EXPECT_THAT(
      ParseClaimReview("{not json"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not JSON")));
  EXPECT_THAT(ParseClaimReview("[1]"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ParseClaimReview(R"({"@type": "NewsArticle", "claimReviewed": "x"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("@type")));
  EXPECT_THAT(
      ParseClaimReview(R"({"reviewRating": {"ratingValue": 1}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("claimReviewed")));
  EXPECT_THAT(
      ParseClaimReview(R"({"claimReviewed": "x"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reviewRating")));
  EXPECT_THAT(
      ParseClaimReview(
          R"({"claimReviewed": "x", "reviewRating": {"ratingValue": "high"}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ratingValue")));
}

TEST(ClaimReviewJson, ExportsTheVerdictEvidenceAndReadsBackTheSame) {
  v1::Claim claim;
  claim.set_name("claims/border");
  claim.set_statement("Troops crossed \"the\" border");
  claim.set_status(kDenied);
  v1::Evidence& first = *claim.add_evidence();
  first.set_source("Israel Hayom");
  first.set_status(kReported);
  v1::Evidence& verdict = *claim.add_evidence();
  verdict.set_source("Ministry");
  verdict.set_url("https://example.org/d");
  verdict.set_status(kDenied);
  verdict.mutable_time()->set_seconds(1714557600);  // 2024-05-01T10:00:00Z
  const std::string json = ClaimReviewJson(claim);
  EXPECT_EQ(json,
            R"({"@context":"https://schema.org","@type":"ClaimReview",)"
            R"("identifier":"claims/border",)"
            R"("claimReviewed":"Troops crossed \"the\" border",)"
            R"("datePublished":"2024-05-01T10:00:00Z",)"
            R"("url":"https://example.org/d",)"
            R"("author":{"@type":"Organization","name":"Ministry"},)"
            R"("reviewRating":{"@type":"Rating","ratingValue":1,)"
            R"("bestRating":5,"worstRating":1,"alternateName":"False"}})");
  absl::StatusOr<v1::Claim> back = ParseClaimReview(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->name(), "claims/border");
  EXPECT_EQ(back->statement(), claim.statement());
  EXPECT_EQ(back->status(), kDenied);
  ASSERT_EQ(back->evidence_size(), 1);
  EXPECT_EQ(back->evidence(0).source(), "Ministry");
  EXPECT_EQ(back->evidence(0).url(), "https://example.org/d");
  EXPECT_EQ(back->evidence(0).time().seconds(), 1714557600);
}

v1::Claim Review(v1::VerificationStatus status, const std::string& source) {
  v1::Claim review;
  review.set_name("claims/x");
  review.set_statement("s");
  review.set_status(status);
  v1::Evidence& evidence = *review.add_evidence();
  evidence.set_source(source);
  evidence.set_url("https://u");
  evidence.set_status(status);
  return review;
}

TEST(PlanClaimReviewImport, CreatesAddsNewVerdictsAndKeepsKnownOnes) {
  ImportPlan create =
      PlanClaimReviewImport(Review(kDenied, "A"), std::nullopt, "me");
  EXPECT_EQ(create.result, ImportResult::kCreated);
  ASSERT_TRUE(create.create.has_value());
  EXPECT_EQ(create.create->claim().status(), kDenied);
  EXPECT_EQ(create.create->request_id(), "import:x:0");

  v1::Claim stored = Review(kDenied, "A");
  stored.mutable_evidence(0)->set_actor("someone");
  EXPECT_EQ(PlanClaimReviewImport(Review(kDenied, "A"), stored, "me").result,
            ImportResult::kUnchanged);

  ImportPlan update =
      PlanClaimReviewImport(Review(kConfirmed, "B"), stored, "me");
  EXPECT_EQ(update.result, ImportResult::kUpdated);
  ASSERT_EQ(update.updates.size(), 1u);
  EXPECT_EQ(update.updates[0].status(), kConfirmed);
  EXPECT_EQ(update.updates[0].evidence().source(), "B");
  EXPECT_EQ(update.updates[0].evidence().actor(), "me");
  EXPECT_THAT(update.updates[0].request_id(),
              MatchesRegex("import:x:review-[0-9a-f]{16}"));

  v1::Claim other = Review(kDenied, "A");
  other.set_statement("another");
  EXPECT_EQ(PlanClaimReviewImport(Review(kDenied, "A"), other, "me").result,
            ImportResult::kSkipped);
}

TEST(SplitImportInput, LinesKeepTheirNumbersAndArraysTheirIndex) {
  absl::StatusOr<std::vector<ImportEntry>> lines =
      SplitImportInput("\xEF\xBB\xBF{\"a\":1}\r\n\n  \n{\"b\":2}\n", false);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[0].number, 1);
  EXPECT_EQ((*lines)[0].text, "{\"a\":1}");
  EXPECT_EQ((*lines)[1].number, 4);
  absl::StatusOr<std::vector<ImportEntry>> array =
      SplitImportInput(" [{\"claimReviewed\":\"x\"}, {\"y\": [1, 2]}]", true);
  ASSERT_TRUE(array.ok()) << array.status();
  ASSERT_EQ(array->size(), 2u);
  EXPECT_STREQ((*array)[1].unit, "entry");
  EXPECT_EQ((*array)[1].number, 2);
  EXPECT_THAT(SplitImportInput("[{", true),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace claimd::client
