// Unit tests for the filter language (service/core/filter/filter.h): what each field
// and operator matches, precedence, MatchesEvent, and that every malformed
// input is an INVALID_ARGUMENT naming the column.
#include "service/core/filter/filter.h"

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/claim.h"
#include "service/core/limits.h"
#include "tests/testing/nested_filter.h"
#include "tests/testing/status_matchers.h"

namespace claimd::core {

// Found by argument-dependent lookup, so gtest shows a Filter by its text, not
// as bytes: in Filter's namespace, with external linkage.
// NOLINTNEXTLINE(misc-use-internal-linkage)
void PrintTo(const Filter& filter, std::ostream* os) {
  *os << "Filter(" << filter.text() << ")";
}

namespace {

using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Claim MakeClaim() {
  Claim claim;
  claim.id = "abc";
  claim.statement = "The minister resigned";
  claim.status = VerificationStatus::kReported;
  claim.labels = {{"desk", "world"}, {"lang", "en"}, {"empty", ""}};
  claim.evidence.resize(2);
  claim.revision = 7;
  return claim;
}

// Parses `text` (failing the test if it does not parse) and matches it against
// `claim`.
bool Matches(absl::string_view text, const Claim& claim = MakeClaim()) {
  absl::StatusOr<Filter> filter = Filter::Parse(text);
  EXPECT_THAT(filter, IsOk()) << "filter: " << text;
  return filter.ok() && filter->Matches(claim);
}

// INVALID_ARGUMENT whose message starts with the column and contains `detail`.
::testing::Matcher<absl::StatusOr<Filter>> ErrorAt(int column,
                                                   const std::string& detail) {
  return StatusIs(
      absl::StatusCode::kInvalidArgument,
      AllOf(StartsWith(absl::StrCat("filter: column ", column, ": ")),
            HasSubstr(detail)));
}

// MakeClaim() moving from `from` to `to`, as the store reports it.
ClaimEvent StatusChange(VerificationStatus from, VerificationStatus to) {
  ClaimEvent event{.type = EventType::kStatusChanged, .claim = MakeClaim()};
  event.claim.status = to;
  event.previous_status = from;
  return event;
}

std::string Repeat(absl::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) absl::StrAppend(&out, piece);
  return out;
}

TEST(FilterParse, EmptyTextMatchesEverything) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse(""));
  EXPECT_TRUE(filter.MatchesAll());
  EXPECT_TRUE(filter.Matches(Claim{}));
}

TEST(FilterParse, WhitespaceOnlyMatchesEverything) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse(" \t\r\n "));
  EXPECT_TRUE(filter.MatchesAll());
  EXPECT_TRUE(filter.Matches(MakeClaim()));
}

TEST(FilterParse, DefaultFilterMatchesEverything) {
  Filter filter;
  EXPECT_TRUE(filter.MatchesAll());
  EXPECT_TRUE(filter.Matches(MakeClaim()));
  EXPECT_TRUE(filter.MatchesEvent(ClaimEvent{}));
}

TEST(FilterParse, KeepsTextAndIsNotMatchAll) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse("status = REPORTED"));
  EXPECT_FALSE(filter.MatchesAll());
  EXPECT_EQ(filter.text(), "status = REPORTED");
  // The copy is what this test checks.
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
  Filter copy = filter;  // copies share the tree
  EXPECT_TRUE(copy.Matches(MakeClaim()));
}

TEST(FilterText, NameComparesWithFullResourceName) {
  EXPECT_TRUE(Matches("name = claims/abc"));
  EXPECT_TRUE(Matches("name = \"claims/abc\""));
  EXPECT_FALSE(Matches("name = abc"));
  EXPECT_FALSE(Matches("name = claims/abcd"));
  EXPECT_FALSE(Matches("name = claims"));
  EXPECT_TRUE(Matches("name != claims/xyz"));
  EXPECT_FALSE(Matches("name != claims/abc"));
}

TEST(FilterText, NameHasFindsSubstringAcrossPrefix) {
  EXPECT_TRUE(Matches("name:ims"));
  EXPECT_TRUE(Matches("name:\"s/ab\""));
  EXPECT_TRUE(Matches("name:claims/abc"));
  EXPECT_TRUE(Matches("name:bc"));
  EXPECT_FALSE(Matches("name:claims/abcd"));
  EXPECT_FALSE(Matches("name:\"s/b\""));
}

TEST(FilterText, NameOrdersLexicographically) {
  EXPECT_TRUE(Matches("name < claims/abd"));
  EXPECT_TRUE(Matches("name > claims"));  // a proper prefix sorts first
  EXPECT_TRUE(Matches("name > claims/"));
  EXPECT_TRUE(Matches("name <= claims/abc"));
  EXPECT_TRUE(Matches("name >= claims/abc"));
  EXPECT_FALSE(Matches("name < claims/ab"));
  EXPECT_TRUE(Matches("name < claimt"));
}

TEST(FilterText, ClaimIdEqualsIsExact) {
  EXPECT_TRUE(Matches("claim_id = abc"));
  EXPECT_FALSE(Matches("claim_id = ab"));
  EXPECT_FALSE(Matches("claim_id = ABC"));
  EXPECT_TRUE(Matches("claim_id != ab"));
}

TEST(FilterText, ClaimIdOrdersLexicographically) {
  EXPECT_TRUE(Matches("claim_id < abd"));
  EXPECT_TRUE(Matches("claim_id > abb"));
  EXPECT_TRUE(Matches("claim_id > ab"));
  EXPECT_TRUE(Matches("claim_id <= abc"));
  EXPECT_TRUE(Matches("claim_id >= abc"));
  EXPECT_FALSE(Matches("claim_id < abc"));
  EXPECT_FALSE(Matches("claim_id > abc"));
}

TEST(FilterText, StatementHasIsCaseSensitiveSubstring) {
  EXPECT_TRUE(Matches("statement:minister"));
  EXPECT_TRUE(Matches("statement:\"minister resigned\""));
  EXPECT_FALSE(Matches("statement:Minister"));
  EXPECT_FALSE(Matches("statement:president"));
  EXPECT_TRUE(Matches("statement:\"\""));  // the empty string is in everything
}

TEST(FilterText, StatementEqualsNeedsWholeText) {
  EXPECT_TRUE(Matches("statement = \"The minister resigned\""));
  EXPECT_FALSE(Matches("statement = minister"));
}

TEST(FilterText, PresenceMeansNonEmpty) {
  EXPECT_TRUE(Matches("statement:*"));
  Claim claim = MakeClaim();
  claim.statement.clear();
  EXPECT_FALSE(Matches("statement:*", claim));
}

TEST(FilterStrings, EscapedQuoteAndBackslash) {
  Claim claim = MakeClaim();
  claim.statement = R"(say "hi" \ now)";
  EXPECT_TRUE(Matches(R"(statement = "say \"hi\" \\ now")", claim));
  EXPECT_TRUE(Matches(R"(statement:"\"hi\"")", claim));
  EXPECT_FALSE(Matches(R"(statement = "say \"hi\"")", claim));
}

TEST(FilterStrings, KeywordsAndOperatorsInsideQuotesAreText) {
  Claim claim = MakeClaim();
  claim.statement = "a OR (b = c) AND NOT -d";
  EXPECT_TRUE(Matches("statement = \"a OR (b = c) AND NOT -d\"", claim));
}

TEST(FilterStrings, NonAsciiAndNulBytesInsideQuotes) {
  Claim claim = MakeClaim();
  claim.statement =
      std::string("ministre d\xc3\xa9l\xc3\xa9gu\xc3\xa9 \0x", 22);
  EXPECT_TRUE(Matches("statement:\"d\xc3\xa9l\xc3\xa9gu\xc3\xa9\"", claim));
  EXPECT_TRUE(Matches(std::string("statement:\" \0x\"", 15), claim));
}

TEST(FilterLabels, EqualsAndHasCompareTheValue) {
  EXPECT_TRUE(Matches("labels.desk = world"));
  EXPECT_TRUE(Matches("labels.desk = \"world\""));
  EXPECT_FALSE(Matches("labels.desk = World"));
  EXPECT_TRUE(Matches("labels.desk:orl"));
  EXPECT_TRUE(Matches("labels.desk != sport"));
  EXPECT_TRUE(Matches("labels.desk > sport"));
}

TEST(FilterLabels, StarTestsPresence) {
  EXPECT_TRUE(Matches("labels.desk:*"));
  EXPECT_FALSE(Matches("labels.missing:*"));
  EXPECT_TRUE(Matches("-labels.missing:*"));
  EXPECT_TRUE(Matches("labels.empty:*"));  // present with an empty value
  EXPECT_TRUE(Matches("labels.empty = \"\""));
}

TEST(FilterLabels, AbsentLabelSatisfiesOnlyNotEquals) {
  EXPECT_FALSE(Matches("labels.missing = x"));
  EXPECT_FALSE(Matches("labels.missing = \"\""));
  EXPECT_TRUE(Matches("labels.missing != x"));
  EXPECT_FALSE(Matches("labels.missing:x"));
  EXPECT_FALSE(Matches("labels.missing < zzz"));
  EXPECT_FALSE(Matches("labels.missing >= \"\""));
}

TEST(FilterLabels, KeyMayHaveDigitsDashesAndUnderscores) {
  Claim claim = MakeClaim();
  claim.labels["a1_b-c"] = "x";
  EXPECT_TRUE(Matches("labels.a1_b-c = x", claim));
}

TEST(FilterStatus, EqualsAndNotEquals) {
  EXPECT_TRUE(Matches("status = REPORTED"));
  EXPECT_FALSE(Matches("status = CONFIRMED"));
  EXPECT_TRUE(Matches("status != DENIED"));
  EXPECT_FALSE(Matches("status != REPORTED"));
}

TEST(FilterStatus, ValueIsCaseInsensitive) {
  EXPECT_TRUE(Matches("status = reported"));
  EXPECT_TRUE(Matches("status = Reported"));
  EXPECT_TRUE(Matches("status = \"rePORTed\""));
}

TEST(FilterStatus, AcceptsVerificationStatusPrefix) {
  EXPECT_TRUE(Matches("status = VERIFICATION_STATUS_REPORTED"));
  EXPECT_TRUE(Matches("status = verification_status_reported"));
  EXPECT_FALSE(Matches("status = VERIFICATION_STATUS_DENIED"));
}

TEST(FilterNumbers, RevisionSupportsAllSixComparators) {
  EXPECT_TRUE(Matches("revision = 7"));
  EXPECT_TRUE(Matches("revision != 8"));
  EXPECT_TRUE(Matches("revision < 8"));
  EXPECT_FALSE(Matches("revision < 7"));
  EXPECT_TRUE(Matches("revision <= 7"));
  EXPECT_TRUE(Matches("revision > 6"));
  EXPECT_FALSE(Matches("revision > 7"));
  EXPECT_TRUE(Matches("revision >= 7"));
  EXPECT_TRUE(Matches("revision>-1"));  // a '-' after a comparator is a sign
  EXPECT_TRUE(Matches("revision = \"7\""));
}

TEST(FilterNumbers, EvidenceCountIsTheNumberOfEvidenceItems) {
  EXPECT_TRUE(Matches("evidence_count = 2"));
  EXPECT_TRUE(Matches("evidence_count >= 1"));
  EXPECT_FALSE(Matches("evidence_count > 2"));
  EXPECT_TRUE(Matches("evidence_count = 0", Claim{}));
}

TEST(FilterNumbers, AStoreCanMatchAClaimReadWithoutItsEvidence) {
  ASSERT_OK_AND_ASSIGN(Filter filter,
                       Filter::Parse("evidence_count = 3 AND status = DENIED"));
  Claim head;  // a row head: the evidence is not read
  head.status = VerificationStatus::kDenied;
  EXPECT_TRUE(filter.Matches(head, 3));
  EXPECT_FALSE(filter.Matches(head, 2));
  EXPECT_FALSE(filter.Matches(head));  // without the count: 0 items
}

TEST(FilterPrecedence, AndBindsTighterThanOr) {
  // AIP-160 would read these as `a AND (b OR c)` and `(a OR b) AND c`.
  EXPECT_TRUE(Matches("status = DENIED AND claim_id = x OR claim_id = abc"));
  EXPECT_TRUE(Matches("claim_id = abc OR status = DENIED AND claim_id = x"));
  EXPECT_FALSE(Matches("claim_id = x OR status = REPORTED AND claim_id = y"));
}

TEST(FilterPrecedence, JuxtapositionMeansAnd) {
  EXPECT_TRUE(Matches("claim_id = abc status = REPORTED"));
  EXPECT_FALSE(Matches("claim_id = abc status = DENIED"));
  EXPECT_TRUE(Matches("claim_id = x status = DENIED OR revision = 7"));
  EXPECT_TRUE(Matches("revision=7 labels.desk:*"));
}

TEST(FilterPrecedence, NotBindsTighterThanAndAndOr) {
  EXPECT_FALSE(Matches("NOT status = REPORTED AND claim_id = x"));
  EXPECT_TRUE(Matches("NOT claim_id = abc OR status = REPORTED"));
  EXPECT_TRUE(Matches("NOT (status = DENIED OR claim_id = x)"));
}

TEST(FilterPrecedence, MinusNegatesOneTerm) {
  EXPECT_TRUE(Matches("-status = DENIED"));
  EXPECT_FALSE(Matches("-claim_id = abc"));
  EXPECT_FALSE(Matches("-(claim_id = abc)"));
  EXPECT_TRUE(Matches("claim_id = abc -labels.missing:*"));
}

TEST(FilterPrecedence, NegationsCompose) {
  EXPECT_TRUE(Matches("NOT NOT status = REPORTED"));
  EXPECT_TRUE(Matches("NOT -status = REPORTED"));
  EXPECT_FALSE(Matches("- - -status = REPORTED"));
}

TEST(FilterPrecedence, ParenthesesGroup) {
  EXPECT_FALSE(Matches("status = DENIED AND (claim_id = x OR claim_id = abc)"));
  EXPECT_TRUE(
      Matches("(claim_id = x OR claim_id = abc) AND status = REPORTED"));
  EXPECT_TRUE(Matches("((((revision = 7))))"));
}

TEST(FilterPrecedence, LongFlatChainsAreNotNesting) {
  // 250 terms: far more than kMaxFilterDepth, but AND/OR chains do not nest.
  std::string text = "revision=7";
  for (int i = 0; i < 250; ++i) {
    absl::StrAppend(&text, i % 2 ? " AND " : " OR ", "revision=7");
  }
  EXPECT_TRUE(Matches(text));
}

TEST(FilterEvent, MatchesWhenClaimLeavesFilter) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse("status = REPORTED"));
  const ClaimEvent event = StatusChange(VerificationStatus::kReported,
                                        VerificationStatus::kConfirmed);
  EXPECT_FALSE(filter.Matches(event.claim));
  EXPECT_TRUE(filter.MatchesEvent(event));
}

TEST(FilterEvent, MatchesWhenClaimEntersFilter) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse("status = CONFIRMED"));
  EXPECT_TRUE(filter.MatchesEvent(StatusChange(
      VerificationStatus::kReported, VerificationStatus::kConfirmed)));
}

TEST(FilterEvent, UnrelatedClaimDoesNotMatch) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse("status = DENIED"));
  EXPECT_FALSE(filter.MatchesEvent(StatusChange(
      VerificationStatus::kReported, VerificationStatus::kConfirmed)));
}

TEST(FilterEvent, OnlyChangesLookAtThePreviousStatus) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse("status = REPORTED"));
  ClaimEvent event = StatusChange(VerificationStatus::kReported,
                                  VerificationStatus::kConfirmed);
  event.type = EventType::kCreated;
  EXPECT_FALSE(filter.MatchesEvent(event));
}

TEST(FilterEvent, EvidenceCountBeforeTheChangeIsOneLess) {
  ASSERT_OK_AND_ASSIGN(Filter filter, Filter::Parse("evidence_count < 2"));
  ClaimEvent event = StatusChange(VerificationStatus::kReported,
                                  VerificationStatus::kReported);  // 2 items
  EXPECT_TRUE(filter.MatchesEvent(event));
  event.type = EventType::kEvidenceAdded;
  EXPECT_TRUE(filter.MatchesEvent(event));
  event.type = EventType::kDeleted;
  EXPECT_FALSE(filter.MatchesEvent(event));
}

TEST(FilterEvent, StatusAndEvidenceBeforeAreEvaluatedTogether) {
  ASSERT_OK_AND_ASSIGN(
      Filter filter, Filter::Parse("status = REPORTED AND evidence_count = 1"));
  ClaimEvent event =
      StatusChange(VerificationStatus::kReported, VerificationStatus::kDenied);
  EXPECT_TRUE(filter.MatchesEvent(event));
  event.previous_status = VerificationStatus::kConfirmed;
  EXPECT_FALSE(filter.MatchesEvent(event));
}

TEST(FilterErrors, UnknownFieldListsKnownFields) {
  EXPECT_THAT(
      Filter::Parse("foo = 1"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          "filter: column 1: unknown field 'foo'; known fields: name, "
          "claim_id, statement, status, labels.KEY, revision, evidence_count"));
  EXPECT_THAT(Filter::Parse("status = REPORTED AND Status = x"),
              ErrorAt(23, "unknown field 'Status'"));
  EXPECT_THAT(Filter::Parse("labels = x"),
              ErrorAt(1, "unknown field 'labels'"));
}

TEST(FilterErrors, KeywordsAreCaseSensitive) {
  EXPECT_THAT(Filter::Parse("claim_id = abc and status = REPORTED"),
              ErrorAt(16, "unknown field 'and'"));
}

TEST(FilterErrors, InvalidLabelKey) {
  EXPECT_THAT(Filter::Parse("labels.Desk = x"),
              ErrorAt(1, "invalid label key 'Desk'"));
  EXPECT_THAT(Filter::Parse("labels. = x"), ErrorAt(1, "invalid label key ''"));
  EXPECT_THAT(Filter::Parse("revision = 1 OR labels.1a:*"),
              ErrorAt(17, "invalid label key '1a'"));
}

TEST(FilterErrors, MissingValue) {
  EXPECT_THAT(
      Filter::Parse("revision="),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          "filter: column 10: expected a value after '=', found end of input"));
  EXPECT_THAT(Filter::Parse("status = AND revision = 1"),
              ErrorAt(10, "expected a value after '=', found 'AND'"));
  EXPECT_THAT(Filter::Parse("(statement: )"),
              ErrorAt(13, "expected a value after ':', found ')'"));
}

TEST(FilterErrors, MissingComparator) {
  EXPECT_THAT(
      Filter::Parse("status REPORTED"),
      ErrorAt(
          8,
          "expected a comparator (=, !=, <, <=, >, >= or :) after 'status', "
          "found 'REPORTED'"));
  EXPECT_THAT(Filter::Parse("statement"), ErrorAt(10, "found end of input"));
}

TEST(FilterErrors, UnterminatedString) {
  EXPECT_THAT(Filter::Parse("statement = \"abc"),
              ErrorAt(13, "unterminated string"));
  EXPECT_THAT(Filter::Parse(R"(statement = "abc\")"),
              ErrorAt(13, "unterminated string"));
  EXPECT_THAT(Filter::Parse(R"(statement = "abc\)"),
              ErrorAt(13, "unterminated string"));
}

TEST(FilterErrors, UnsupportedEscape) {
  EXPECT_THAT(Filter::Parse(R"(statement = "a\nb")"),
              ErrorAt(15, "unsupported escape '\\n'"));
}

TEST(FilterErrors, UnbalancedParentheses) {
  EXPECT_THAT(
      Filter::Parse("(status = REPORTED"),
      ErrorAt(19,
              "expected ')' to close the '(' at column 1, found end of input"));
  EXPECT_THAT(Filter::Parse("status = REPORTED)"),
              ErrorAt(18, "unmatched ')'"));
  EXPECT_THAT(Filter::Parse("()"),
              ErrorAt(2, "expected a field, '(', NOT or '-' after '('"));
  EXPECT_THAT(Filter::Parse("((revision = 1) OR (revision = 2)"),
              ErrorAt(34, "expected ')'"));
}

TEST(FilterErrors, TrailingGarbage) {
  EXPECT_THAT(Filter::Parse("status = REPORTED = x"),
              ErrorAt(19, "expected AND, OR or end of input, found '='"));
  EXPECT_THAT(Filter::Parse("status = REPORTED \"x\""),
              ErrorAt(19, "expected a field, '(', NOT or '-', found '\"x\"'"));
}

TEST(FilterErrors, DanglingOrLeadingKeyword) {
  EXPECT_THAT(
      Filter::Parse("status = REPORTED AND"),
      ErrorAt(
          22,
          "expected a field, '(', NOT or '-' after 'AND', found end of input"));
  EXPECT_THAT(Filter::Parse("status = REPORTED OR"), ErrorAt(21, "after 'OR'"));
  EXPECT_THAT(Filter::Parse("NOT"),
              ErrorAt(4, "after 'NOT', found end of input"));
  EXPECT_THAT(Filter::Parse("-"), ErrorAt(2, "after '-', found end of input"));
  EXPECT_THAT(Filter::Parse("AND status = REPORTED"),
              ErrorAt(1, "found 'AND'"));
  EXPECT_THAT(Filter::Parse("revision = 1 OR OR revision = 2"),
              ErrorAt(17, "found 'OR'"));
}

TEST(FilterErrors, UnexpectedCharacters) {
  EXPECT_THAT(Filter::Parse("status = REPORTED & x"),
              ErrorAt(19, "unexpected character '&'"));
  EXPECT_THAT(Filter::Parse("status ! x"),
              ErrorAt(8, "unexpected character '!'"));
  EXPECT_THAT(Filter::Parse(std::string("status\0 = x", 11)),
              ErrorAt(7, "unexpected character '\\x00'"));
  EXPECT_THAT(Filter::Parse("statement = d\xc3\xa9j\xc3\xa0"),
              ErrorAt(14, "unexpected character '\\xc3'"));
}

TEST(FilterErrors, UnknownStatus) {
  EXPECT_THAT(
      Filter::Parse("status = FOO"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "filter: column 10: unknown status 'FOO'; expected REPORTED, "
               "CONFIRMED or DENIED"));
  EXPECT_THAT(Filter::Parse("status = UNSPECIFIED"),
              ErrorAt(10, "unknown status"));
  EXPECT_THAT(Filter::Parse("status = \"\""), ErrorAt(10, "unknown status ''"));
}

TEST(FilterErrors, StatusOnlySupportsEqualsAndNotEquals) {
  for (absl::string_view op : {"<", "<=", ">", ">=", ":"}) {
    EXPECT_THAT(Filter::Parse(absl::StrCat("status ", op, " REPORTED")),
                ErrorAt(8, "is not supported for status; use = or !="))
        << op;
  }
}

TEST(FilterErrors, NonIntegerNumbers) {
  EXPECT_THAT(Filter::Parse("revision = abc"),
              ErrorAt(12, "expected an integer for revision, found 'abc'"));
  EXPECT_THAT(Filter::Parse("revision = 1.5"),
              ErrorAt(12, "expected an integer"));
  EXPECT_THAT(Filter::Parse("revision = 99999999999999999999"),
              ErrorAt(12, "integer"));
  EXPECT_THAT(Filter::Parse("revision = \" 5\""), ErrorAt(12, "integer"));
  EXPECT_THAT(Filter::Parse("evidence_count > -"),
              ErrorAt(18, "expected an integer for evidence_count"));
  EXPECT_THAT(Filter::Parse("revision:5"),
              ErrorAt(9, "':' is not supported for revision"));
}

TEST(FilterErrors, UnquotedWildcardsAreRejected) {
  EXPECT_THAT(Filter::Parse("claim_id = ab*"),
              ErrorAt(12, "wildcards are not supported"));
  EXPECT_THAT(Filter::Parse("statement = *"),
              ErrorAt(13, "wildcards are not supported"));
  EXPECT_TRUE(Matches("statement != \"*\""));  // quoted: a literal star
}

TEST(FilterErrors, TooLong) {
  std::string text = "status = REPORTED";
  text.resize(kMaxFilterBytes, ' ');
  EXPECT_TRUE(Matches(text));
  text.push_back(' ');
  EXPECT_THAT(Filter::Parse(text),
              ErrorAt(kMaxFilterBytes + 1, "the limit is 4096"));
}

TEST(FilterErrors, TooDeepParentheses) {
  EXPECT_THAT(Filter::Parse(Repeat("(", kMaxFilterBytes)),
              ErrorAt(kMaxFilterDepth + 1, "nests deeper than 32"));
  // Longer still: refused by size before the parser even starts.
  EXPECT_THAT(Filter::Parse(Repeat("(", 10000)),
              ErrorAt(kMaxFilterBytes + 1, "limit"));
  const std::string at_limit = Repeat("(", kMaxFilterDepth) + "revision = 7" +
                               Repeat(")", kMaxFilterDepth);
  EXPECT_TRUE(Matches(at_limit));
  EXPECT_THAT(Filter::Parse("(" + at_limit + ")"),
              ErrorAt(kMaxFilterDepth + 1, "deeper"));
}

TEST(FilterErrors, TooDeepNegation) {
  EXPECT_TRUE(Matches(Repeat("NOT ", kMaxFilterDepth) + "revision = 7"));
  EXPECT_THAT(
      Filter::Parse(Repeat("NOT ", kMaxFilterDepth + 1) + "revision = 7"),
      ErrorAt(4 * kMaxFilterDepth + 1, "nests deeper"));
  EXPECT_THAT(Filter::Parse(Repeat("-(", 2000)),
              ErrorAt(kMaxFilterDepth + 1, "deeper"));
}

// Every prefix of a filter that uses each construct, and every single byte,
// must parse or fail with a located INVALID_ARGUMENT; never crash.
TEST(FilterErrors, ArbitraryInputFailsCleanly) {
  const std::string full =
      R"(NOT (status = "confirmed" OR -labels.desk:*) name:"s/\"a\\" revision >= -3 )"
      R"(AND evidence_count != 2 OR (claim_id < abc statement:x))";
  ASSERT_OK(Filter::Parse(full).status());
  auto parses_or_fails_cleanly = [](const std::string& text) {
    absl::StatusOr<Filter> filter = Filter::Parse(text);
    if (filter.ok()) {
      (void)filter->Matches(MakeClaim());
      return true;
    }
    return filter.status().code() == absl::StatusCode::kInvalidArgument &&
           absl::StartsWith(filter.status().message(), "filter: column ");
  };
  for (size_t length = 0; length <= full.size(); ++length) {
    EXPECT_TRUE(parses_or_fails_cleanly(full.substr(0, length)))
        << full.substr(0, length);
  }
  for (int byte = 0; byte < 256; ++byte) {
    EXPECT_TRUE(
        parses_or_fails_cleanly(std::string(1, static_cast<char>(byte))))
        << byte;
    EXPECT_TRUE(parses_or_fails_cleanly(
        "statement = " + std::string(1, static_cast<char>(byte))))
        << byte;
  }
}

// Bounds an operator tightens with claimd's flags (RequestLimits).
constexpr RequestLimits kTightFilters{.max_filter_bytes = 40,
                                      .max_filter_depth = 2};

TEST(FilterLimits, TighterLimitsRefuseLongerAndDeeperFilters) {
  EXPECT_OK(Filter::Parse(testing::NestedFilter(2), kTightFilters).status());
  EXPECT_THAT(
      Filter::Parse(testing::NestedFilter(3), kTightFilters).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deeper than 2")));
  EXPECT_THAT(
      Filter::Parse(
          "statement : \"a rather long phrase, longer than forty bytes\"",
          kTightFilters)
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit is 40")));
  // The defaults are the contract's.
  EXPECT_OK(Filter::Parse(testing::NestedFilter(kMaxFilterDepth)).status());
}

TEST(FilterLimits, NothingLoosensTheContract) {
  const RequestLimits loose{.max_filter_bytes = 1 << 20,
                            .max_filter_depth = 1000};
  EXPECT_THAT(
      Filter::Parse(testing::NestedFilter(kMaxFilterDepth + 1), loose).status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      Filter::Parse(std::string(kMaxFilterBytes + 1, ' '), loose).status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace claimd::core
