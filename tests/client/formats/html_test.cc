// Saved HTML pages (html.h, and SplitImportInput's reading of them): which
// ld+json blocks count, how their wrappers come off, and what a page that
// cannot be imported is told. Fixtures are in testdata/, written for these
// tests.
#include "client/formats/html.h"

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
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Fixture(const std::string& name) {
  std::ifstream file(std::string(CLAIMD_FORMATS_TESTDATA) + "/" + name,
                     std::ios::binary);
  EXPECT_TRUE(file.is_open()) << name;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<ImportEntry> Split(absl::string_view text) {
  static const VerdictTable* table = new VerdictTable(*VerdictTable::Default());
  return SplitImportInput(text, ImportFormat::kClaimReview, *table);
}

// The statement and verdict of an entry that must have parsed.
std::string Verdict(const ImportEntry& entry) {
  if (!entry.review.has_value() || !entry.review->ok()) {
    ADD_FAILURE() << "line " << entry.line << ": "
                  << (entry.review.has_value() ? entry.review->status()
                                               : absl::UnknownError("none"));
    return "";
  }
  const v1::Claim& claim = (*entry.review)->claim;
  return claim.statement() + ": " + v1::VerificationStatus_Name(claim.status());
}

TEST(LdJsonBlocks, WrappersComeOffWhole) {
  const std::string page = Fixture("wrapped_blocks.html");
  const std::vector<LdJsonBlock> blocks = LdJsonBlocks(page);
  ASSERT_EQ(blocks.size(), 4u);
  for (const LdJsonBlock& block : blocks) {
    EXPECT_THAT(std::string(block.text), StartsWith("{")) << block.index;
    EXPECT_EQ(block.text.back(), '}')
        << "block " << block.index << " ends "
        << block.text.substr(block.text.size() - 5);
    EXPECT_FALSE(block.unterminated);
  }
  EXPECT_EQ(blocks[0].line, 7) << "//<![CDATA[ on the line before";
  EXPECT_EQ(blocks[2].line, 20);
  EXPECT_EQ(blocks[3].line, 23);
  // Every wrapper (//]]>, /*]]>*/, //-->) and a '>' inside a quoted
  // attribute: every review imports, none is a JSON error.
  const std::vector<ImportEntry> entries = Split(page);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(Verdict(entries[0]),
            "Ferry fares doubled over the winter: VERIFICATION_STATUS_DENIED");
  EXPECT_EQ(entries[0].detail, "block 1");
  EXPECT_EQ(Verdict(entries[1]),
            "The north pier closes at dusk: VERIFICATION_STATUS_CONFIRMED");
  EXPECT_EQ(Verdict(entries[2]),
            "Each ferry sails with four crew: VERIFICATION_STATUS_CONFIRMED");
  EXPECT_EQ(Verdict(entries[3]),
            "Dogs ride free on weekends: VERIFICATION_STATUS_DENIED");
}

TEST(LdJsonBlocks, CommentedOutMarkupIsNotRead) {
  const std::string page = Fixture("commented_draft.html");
  const std::vector<LdJsonBlock> blocks = LdJsonBlocks(page);
  ASSERT_EQ(blocks.size(), 2u)
      << "the draft and the old review are inside <!-- -->";
  EXPECT_EQ(blocks[0].line, 5);
  EXPECT_EQ(blocks[1].line, 12)
      << "a comment inside a script's content is a wrapper, and a \"<!--\" "
         "inside other JavaScript starts no comment";
  const std::vector<ImportEntry> entries = Split(page);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(Verdict(entries[0]),
            "Bridge tolls fell in May: VERIFICATION_STATUS_CONFIRMED")
      << "the commented-out draft rated it False";
  EXPECT_EQ(Verdict(entries[1]),
            "The bridge gets a third lane: VERIFICATION_STATUS_REPORTED");
}

TEST(LdJsonBlocks, ACommentWithoutItsEndHidesTheRestOfThePage) {
  EXPECT_TRUE(LdJsonBlocks("<html><!-- <script type=\"application/ld+json\">"
                           "{\"@type\": \"ClaimReview\"}</script>")
                  .empty());
}

TEST(LdJsonBlocks, ABlockCutOffByTheSaveIsMarkedUnterminated) {
  const std::string page = Fixture("truncated_save.html");
  const std::vector<LdJsonBlock> blocks = LdJsonBlocks(page);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_FALSE(blocks[0].unterminated);
  EXPECT_TRUE(blocks[1].unterminated);
  EXPECT_EQ(blocks[1].line, 6);
  // Cut off inside the tag itself.
  const std::vector<LdJsonBlock> in_tag =
      LdJsonBlocks("<html>\n<script type=\"application/ld+json\" id=");
  ASSERT_EQ(in_tag.size(), 1u);
  EXPECT_TRUE(in_tag[0].unterminated);
  EXPECT_EQ(in_tag[0].line, 2);
  // Other scripts cut off are not blocks.
  EXPECT_TRUE(LdJsonBlocks("<html><script>var a = 1;").empty());
}

TEST(ClaimReviewHtml, ATruncatedBlockFailsNamingItAndTheOthersImport) {
  const std::vector<ImportEntry> entries =
      Split(Fixture("truncated_save.html"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(Verdict(entries[0]),
            "The harbour buoys were replaced in 2021: "
            "VERIFICATION_STATUS_CONFIRMED");
  EXPECT_EQ(entries[1].line, 6);
  EXPECT_EQ(entries[1].detail, "block 2");
  EXPECT_THAT(*entries[1].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("no closing </script>"),
                             HasSubstr("the page may be truncated"))));
}

TEST(ClaimReviewHtml, MicrodataIsNamedWithWhatToDoInstead) {
  std::vector<ImportEntry> entries = Split(Fixture("microdata_reviews.html"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(*entries[0].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("ClaimReview as microdata (itemscope "
                                       "itemtype="),
                             HasSubstr("which claimctl does not read"),
                             HasSubstr("--format factcheck-api"))));
  // With an ld+json block of something else beside it.
  entries = Split(
      "<html><script type=\"application/ld+json\">{\"@type\": "
      "\"Organization\"}</script>\n<article itemscope "
      "itemtype=\"http://schema.org/ClaimReview\"></article>");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(*entries[0].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("no ClaimReview in the page's 1 "
                                       "ld+json block (found Organization)"),
                             HasSubstr("as microdata"))));
  EXPECT_FALSE(HasClaimReviewMicrodata(
      "<div itemscope itemtype=\"https://schema.org/Rating\">"));
}

}  // namespace
}  // namespace claimd::client
