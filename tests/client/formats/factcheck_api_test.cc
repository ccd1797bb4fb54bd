// Fact Check Tools API claims:search responses and markup pages
// (factcheck_api.h) through SplitImportInput: every claimReview of every
// claim, every markup of every page, publisher and dates in the evidence,
// and errors naming where in the response or which --format fits.
#include "client/formats/factcheck_api.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "client/formats/import_input.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

#ifndef CLAIMD_FORMATS_TESTDATA
#error "CLAIMD_FORMATS_TESTDATA must name tests/client/formats/testdata"
#endif

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  std::ifstream file(std::string(CLAIMD_FORMATS_TESTDATA) + "/" + name,
                     std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<ImportEntry> Split(absl::string_view text) {
  static const VerdictTable* table = new VerdictTable(*VerdictTable::Default());
  return SplitImportInput(text, ImportFormat::kFactCheckApi, *table);
}

TEST(FactCheckApi, EveryReviewOfEveryClaim) {
  const std::vector<ImportEntry> entries =
      Split(Fixture("factcheck_search.json"));
  ASSERT_EQ(entries.size(), 4u);
  for (const ImportEntry& entry : entries) {
    ASSERT_TRUE(entry.review.has_value());
    ASSERT_OK(entry.review->status());
  }
  const v1::Claim& english = (*entries[0].review)->claim;
  const v1::Claim& spanish = (*entries[1].review)->claim;
  EXPECT_EQ(entries[0].line, 8);
  EXPECT_EQ(entries[0].detail, "claims[0].claimReview[0]");
  EXPECT_EQ(entries[1].detail, "claims[0].claimReview[1]");
  EXPECT_EQ(english.name(), spanish.name())
      << "two publishers' reviews of one claim land on one claim";
  EXPECT_EQ(english.statement(),
            "Vaccines contain microchips for tracking people");
  EXPECT_EQ(english.status(), v1::VERIFICATION_STATUS_DENIED);
  const v1::Evidence& evidence = english.evidence(0);
  EXPECT_EQ(evidence.source(), "Desk Example");
  EXPECT_EQ(evidence.url(), "https://desk.example.net/microchips");
  EXPECT_EQ(evidence.quote(), "False");
  EXPECT_EQ(evidence.time().seconds(), 1621555200);  // 2021-05-21
  EXPECT_EQ(evidence.note(),
            "ClaimReview via Fact Check Tools API; title: No, vaccines do not "
            "contain microchips; language: en; publisher site: "
            "desk.example.net; claimant: Viral social media posts; "
            "claimDate: 2021-05-20T00:00:00Z");
  EXPECT_EQ(spanish.status(), v1::VERIFICATION_STATUS_DENIED)
      << "\"Falso: ...\" begins with the verdict";
  EXPECT_EQ(spanish.evidence(0).source(), "verifica.example.es")
      << "the site when the publisher has no name";
  const v1::Claim& portuguese = (*entries[2].review)->claim;
  EXPECT_EQ(portuguese.status(), v1::VERIFICATION_STATUS_REPORTED)
      << "Exagerado";
  EXPECT_NE(portuguese.name(), english.name());
  EXPECT_EQ((*entries[3].review)->claim.status(),
            v1::VERIFICATION_STATUS_CONFIRMED);
}

TEST(FactCheckApi, PagesPerLineArraysBareClaimsAndEmptyResults) {
  const std::vector<ImportEntry> entries = Split(
      "{}\n"
      "{\"nextPageToken\": \"x\"}\n"
      "[{\"claims\": [{\"text\": \"a\", \"claimReview\": [{\"textualRating\": "
      "\"Falso\", \"url\": \"https://v.example/1\"}]}]}]\n"
      "{\"text\": \"b\", \"claimReview\": [{\"textualRating\": \"True\"}]}\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].line, 3);
  EXPECT_EQ(entries[0].detail, "[0].claims[0].claimReview[0]");
  EXPECT_EQ((*entries[0].review)->claim.evidence(0).source(), "v.example");
  EXPECT_EQ(entries[1].detail, "claim.claimReview[0]");
  EXPECT_EQ((*entries[1].review)->claim.evidence_size(), 0);
}

TEST(FactCheckApi, ErrorsNameWhereInTheResponse) {
  const std::vector<ImportEntry> entries = Split(
      "{\"claims\": [{\"claimReview\": [{\"textualRating\": \"False\"}]},\n"
      "  {\"text\": \"t\", \"claimReview\": [{\"url\": \"u\"}]},\n"
      "  {\"text\": \"t\"}]}\n"
      "{\"kind\": \"something else\"}\n");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_THAT(*entries[0].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("claims[0].claimReview[0]: the claim has no "
                                 "text")));
  EXPECT_EQ(entries[1].line, 2);
  EXPECT_THAT(*entries[1].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("claims[1].claimReview[0].textualRating: is "
                                 "required")));
  EXPECT_THAT(*entries[2].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("claims[2].claimReview: expected an array")));
  EXPECT_EQ(entries[3].line, 4);
  EXPECT_THAT(*entries[3].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected a claims:search response")));
}

// Pages of results saved into one array, one of them Google's error body
// (quota exhausted) and one empty: each page stands on its own.
TEST(FactCheckApi, AnErrorResponseInAnArrayFailsAloneAndTheRestImport) {
  const std::vector<ImportEntry> entries =
      Split(Fixture("search_pages_with_error.json"));
  ASSERT_EQ(entries.size(), 3u);
  ASSERT_OK(entries[0].review->status());
  EXPECT_EQ((*entries[0].review)->claim.statement(),
            "The ferry company was sold last year.");
  EXPECT_EQ(entries[1].line, 18);
  EXPECT_EQ(entries[1].detail, "[1]");
  EXPECT_THAT(*entries[1].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "[1]: an API error response (429 RESOURCE_EXHAUSTED: "
                       "Quota exceeded for read requests.) instead of "
                       "claims:search results; fetch that page again"));
  ASSERT_OK(entries[2].review->status()) << "{} is an empty page, no entry";
  EXPECT_EQ(entries[2].detail, "[3].claims[0].claimReview[0]");
  EXPECT_EQ((*entries[2].review)->claim.status(),
            v1::VERIFICATION_STATUS_CONFIRMED);
  // Something else in the array fails alone too, and so does an error
  // response on its own.
  const std::vector<ImportEntry> mixed = Split(
      "[\"oops\", {\"text\": \"c\", \"claimReview\": [{\"textualRating\": "
      "\"False\"}]}]\n{\"error\": {\"code\": 403, \"status\": "
      "\"PERMISSION_DENIED\"}}\n");
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_THAT(*mixed[0].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("[0]: expected a claims:search response")));
  ASSERT_OK(mixed[1].review->status());
  EXPECT_EQ(mixed[2].line, 2);
  EXPECT_THAT(*mixed[2].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "an API error response (403 PERMISSION_DENIED) instead "
                       "of claims:search results; fetch that page again"));
}

TEST(FactCheckApi, UnknownRatingIsReportedWithAWarning) {
  const std::vector<ImportEntry> entries = Split(
      "{\"claims\": [{\"text\": \"t\", \"claimReview\": [{\"textualRating\": "
      "\"Four Bananas\", \"publisher\": {\"name\": \"P\"}, \"reviewDate\": "
      "\"soon\"}]}]}");
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_OK(entries[0].review->status());
  EXPECT_EQ((*entries[0].review)->claim.status(),
            v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ((*entries[0].review)->warnings.size(), 2u);
  EXPECT_THAT((*entries[0].review)->claim.evidence(0).note(),
              HasSubstr("reviewDate: soon (not a date)"));
}

// testdata/markup_pages.json: a pages list response (the Fact Check Markup
// Tool's resource) with one page of three reviews.
TEST(FactCheckApi, MarkupPagesGiveEveryMarkup) {
  const std::vector<ImportEntry> entries = Split(Fixture("markup_pages.json"));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].detail,
            "claimReviewMarkupPages[0].claimReviewMarkups[0]");
  ASSERT_OK(entries[0].review->status());
  const v1::Claim& first = (*entries[0].review)->claim;
  EXPECT_EQ(first.statement(), "The ferry fare tripled this summer");
  EXPECT_EQ(first.status(), v1::VERIFICATION_STATUS_DENIED);
  ASSERT_EQ(first.evidence_size(), 1);
  const v1::Evidence& evidence = first.evidence(0);
  EXPECT_EQ(evidence.source(), "Harbour Desk");
  EXPECT_EQ(evidence.url(), "https://harbour-desk.example/checks/ferry");
  EXPECT_EQ(evidence.quote(), "Mostly False");
  EXPECT_EQ(evidence.time().seconds(), 1694649600);  // 2023-09-14
  EXPECT_EQ(evidence.note(),
            "ClaimReview via Fact Check Tools markup page; claimant: A council "
            "member; claimDate: 2023-09-08; appearance: "
            "https://video.example/v/1, https://radio.example/r/2; "
            "firstAppearance: https://video.example/v/1");
  // The same claim found by claims:search lands on the same claim.
  const std::vector<ImportEntry> searched =
      Split(R"({"claims": [{"text": "The ferry fare tripled this summer", )"
            R"("claimant": "A council member", "claimReview": [{"publisher": )"
            R"({"name": "Other"}, "textualRating": "False"}]}]})");
  ASSERT_EQ(searched.size(), 1u);
  EXPECT_EQ((*searched[0].review)->claim.name(), first.name());

  // A number on an explicit scale, and the markup's own url.
  ASSERT_OK(entries[1].review->status());
  EXPECT_EQ((*entries[1].review)->claim.status(),
            v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ((*entries[1].review)->claim.evidence(0).url(),
            "https://harbour-desk.example/checks/ferry#second");
  EXPECT_THAT(
      entries[2].review->status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("claimReviewMarkupPages[0].claimReviewMarkups[2]."
                         "rating.textualRating: is required")));
}

TEST(FactCheckApi, AClaimReviewNamesTheFormatThatReadsIt) {
  const std::vector<ImportEntry> entries =
      Split(R"({"@context": "https://schema.org", "@type": "ClaimReview", )"
            R"("claimReviewed": "s"})");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(entries[0].review->status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("import it with --format claimreview")));
}

TEST(FactCheckApi, ApiShapesReadAsClaimReviewNameFactCheckApi) {
  static const VerdictTable* table = new VerdictTable(*VerdictTable::Default());
  const std::vector<ImportEntry> markup = SplitImportInput(
      Fixture("markup_pages.json"), ImportFormat::kClaimReview, *table);
  ASSERT_FALSE(markup.empty());
  EXPECT_THAT(markup[0].review->status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("import it with --format factcheck-api")));
  const std::vector<ImportEntry> search = SplitImportInput(
      Fixture("factcheck_search.json"), ImportFormat::kClaimReview, *table);
  ASSERT_EQ(search.size(), 1u);
  EXPECT_THAT(search[0].review->status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("import it with --format factcheck-api")));
}

}  // namespace
}  // namespace claimd::client
