// schema.org ClaimReview as fact-checkers publish it (claim_review.h,
// jsonld.h, html.h, import_input.h): every JSON-LD shape, HTML pages, dates,
// authors, the export mapping, the import plan, and errors that name the
// line. Fixtures are in testdata/, written for these tests.
#include "client/formats/claim_review.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "client/formats/html.h"
#include "client/formats/import.h"
#include "client/formats/import_input.h"
#include "client/render/render.h"
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr auto kReported = v1::VERIFICATION_STATUS_REPORTED;
constexpr auto kConfirmed = v1::VERIFICATION_STATUS_CONFIRMED;
constexpr auto kDenied = v1::VERIFICATION_STATUS_DENIED;

std::string Fixture(const std::string& name) {
  std::ifstream file(std::string(CLAIMD_FORMATS_TESTDATA) + "/" + name,
                     std::ios::binary);
  EXPECT_TRUE(file.is_open()) << name;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const VerdictTable& Table() {
  static const VerdictTable* table = new VerdictTable(*VerdictTable::Default());
  return *table;
}

std::vector<ImportEntry> Split(absl::string_view text) {
  return SplitImportInput(text, ImportFormat::kClaimReview, Table());
}

// The mapped claim of an entry that must have parsed.
const v1::Claim& ClaimOf(const ImportEntry& entry) {
  static const v1::Claim* empty = new v1::Claim();
  EXPECT_TRUE(entry.review.has_value());
  if (!entry.review.has_value() || !entry.review->ok()) {
    ADD_FAILURE() << "line " << entry.line << ": "
                  << (entry.review.has_value() ? entry.review->status()
                                               : absl::UnknownError("none"));
    return *empty;
  }
  return (*entry.review)->claim;
}

TEST(ClaimReviewShapes, GraphWithOtherStructuredData) {
  const std::vector<ImportEntry> entries = Split(Fixture("graph_es.json"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].line, 17);
  const v1::Claim& claim = ClaimOf(entries[0]);
  EXPECT_EQ(claim.statement(), "El tren regional será gratis todo el verano");
  EXPECT_EQ(claim.status(), kDenied) << "Falso, with empty-string numbers";
  ASSERT_EQ(claim.evidence_size(), 1);
  const v1::Evidence& evidence = claim.evidence(0);
  EXPECT_EQ(evidence.source(), "Verifica Ejemplo");
  EXPECT_EQ(evidence.quote(), "Falso");
  EXPECT_EQ(evidence.url(), "https://verifica.example.es/2023/03/tren-gratis/");
  EXPECT_EQ(evidence.time().seconds(), 1678781700);  // 2023-03-14T08:15:00Z
  EXPECT_EQ(evidence.note(),
            "ClaimReview; claimant: Un cartel viral; claimDate: 2023-03-10; "
            "appearance: https://social.example.com/p/123; language: es");
}

TEST(ClaimReviewShapes, DataFeedItemsInElevenLanguages) {
  const std::vector<ImportEntry> entries = Split(Fixture("datafeed.json"));
  ASSERT_EQ(entries.size(), 11u);
  std::vector<std::string> verdicts;
  verdicts.reserve(entries.size());
  for (const ImportEntry& entry : entries) {
    verdicts.push_back(
        v1::VerificationStatus_Name(ClaimOf(entry).status()).substr(20));
  }
  EXPECT_THAT(verdicts,
              ElementsAre("DENIED",    // 錯誤
                          "REPORTED",  // 證據不足
                          "DENIED",    // YANLIŞ
                          "DENIED",    // [SALAH]
                          "DENIED",    // مُضلِّل
                          "DENIED",  // फ़र्ज़ी: ... (a sentence)
                          "DENIED",  // Falsch. Das Video ...
                          "DENIED",  // Trompeur
                          "DENIED",  // Panzana pazzesca
                          "DENIED",  // Engañoso
                          "REPORTED"));  // 部分錯誤
  EXPECT_EQ(entries[2].line, 7);
  EXPECT_EQ(ClaimOf(entries[2]).evidence(0).time().seconds(), 1651561200);
  EXPECT_EQ(ClaimOf(entries[6]).evidence(0).quote(),
            "Falsch. Das Video stammt aus dem Jahr 2019.");
}

// testdata/sentences.jsonl: ratings that are a verdict and a sentence of
// explanation naming another verdict word; the last one is really mixed.
TEST(ClaimReviewMapping, AVerdictFollowedByItsExplanationDecides) {
  const std::vector<ImportEntry> entries = Split(Fixture("sentences.jsonl"));
  ASSERT_EQ(entries.size(), 4u);
  for (int i : {0, 1, 2}) {
    EXPECT_EQ(ClaimOf(entries[i]).status(), kDenied) << i;
    EXPECT_THAT((*entries[i].review)->warnings, ::testing::IsEmpty()) << i;
  }
  EXPECT_EQ(ClaimOf(entries[3]).status(), kReported);
  EXPECT_THAT((*entries[3].review)->warnings,
              ElementsAre(HasSubstr("names more than one verdict")));
  // README's example.
  absl::StatusOr<ImportedReview> readme = ParseClaimReview(
      R"({"claimReviewed": "s", "author": "Desk", "reviewRating":
          {"alternateName": "Falsch. Das Video stammt aus 2019."}})",
      Table());
  ASSERT_OK(readme.status());
  EXPECT_EQ(readme->claim.status(), kDenied);
}

// Found by an outside check: JSON-LD may give a text as a value object or as
// several; the words were ignored ("alternateName": ["Falso", "False"] let a
// publisher's own number decide) or the review failed ("claimReviewed: is
// required").
TEST(ClaimReviewShapes, ValueObjectsAndArraysOfTexts) {
  absl::StatusOr<ImportedReview> listed = ParseClaimReview(
      R"({"claimReviewed": "s", "author": "Desk", "reviewRating":
          {"alternateName": ["Falso", "False"], "ratingValue": 5,
           "bestRating": 5, "worstRating": 1}})",
      Table());
  ASSERT_OK(listed.status());
  EXPECT_EQ(listed->claim.status(), kDenied);
  EXPECT_EQ(listed->claim.evidence(0).quote(), "Falso");
  absl::StatusOr<ImportedReview> wrapped = ParseClaimReview(
      R"({"claimReviewed": {"@value": "El túnel costó 3.000 millones",
                            "@language": "es"},
          "author": {"name": {"@value": "Desk"}},
          "reviewRating": {"alternateName": {"@value": "Falso"}}})",
      Table());
  ASSERT_OK(wrapped.status());
  EXPECT_EQ(wrapped->claim.statement(), "El túnel costó 3.000 millones");
  EXPECT_EQ(wrapped->claim.status(), kDenied);
  EXPECT_EQ(wrapped->claim.evidence(0).source(), "Desk");
}

TEST(ClaimReviewShapes, HtmlPageBlocksEntitiesAndDates) {
  const std::string page = Fixture("page_pt.html");
  ASSERT_TRUE(LooksLikeHtml(page));
  const std::vector<ImportEntry> entries = Split(page);
  ASSERT_EQ(entries.size(), 2u) << "the Organization, the JavaScript and the "
                                   "broken BreadcrumbList are ignored";
  EXPECT_EQ(entries[0].line, 10);
  EXPECT_EQ(entries[0].detail, "block 2");
  const v1::Claim& first = ClaimOf(entries[0]);
  EXPECT_EQ(first.statement(),
            "O governo cortou 90% da verba da merenda escolar, segundo o "
            "prefeito d'Oeste");
  EXPECT_EQ(first.status(), kReported) << "Não é bem assim at 5 of 6";
  ASSERT_EQ(first.evidence_size(), 1);
  EXPECT_EQ(first.evidence(0).source(), "agencia.example.com.br")
      << "an author without a name keeps the review's url";
  EXPECT_EQ(first.evidence(0).url(),
            "https://agencia.example.com.br/2020/06/23/merenda/");
  EXPECT_EQ(first.evidence(0).quote(), "Não é bem assim");
  EXPECT_EQ(first.evidence(0).time().seconds(), 1592942520)
      << "2020-06-23 20:02, read as UTC";
  EXPECT_EQ(first.evidence(0).note(),
            "ClaimReview; ratingValue 5 of 1..6 not used: the wording "
            "decides; datePublished: 2020-06-23 20:02");
  EXPECT_EQ(entries[1].detail, "block 4");
  const v1::Claim& second = ClaimOf(entries[1]);
  EXPECT_EQ(second.status(), kDenied) << "Falso at 4 of 6";
  EXPECT_EQ(second.evidence(0).time().seconds(), 1592946000)
      << "-0300 without a colon";
}

TEST(ClaimReviewShapes, RoundUpReviewsSharingAUrlStaySeparate) {
  const std::vector<ImportEntry> entries = Split(Fixture("roundup_en.html"));
  ASSERT_EQ(entries.size(), 3u);
  std::set<std::string> names;
  for (const ImportEntry& entry : entries) names.insert(ClaimOf(entry).name());
  EXPECT_EQ(names.size(), 3u);
  const v1::Claim& bridge = ClaimOf(entries[0]);
  EXPECT_EQ(bridge.status(), kConfirmed);
  EXPECT_EQ(bridge.evidence(0).source(), "Check Desk")
      << "the publisher when the author has no name";
  const v1::Claim& water = ClaimOf(entries[1]);
  EXPECT_EQ(water.statement(), "Tap water in the city is unsafe to drink");
  EXPECT_EQ(water.status(), kDenied);
  EXPECT_EQ(water.evidence(0).source(), "checkdesk.example.org");
  const v1::Claim& parking = ClaimOf(entries[2]);
  EXPECT_EQ(parking.status(), kReported);
  EXPECT_THAT((*entries[2].review)->warnings,
              ElementsAre(HasSubstr("names more than one verdict")));
}

TEST(ClaimReviewShapes, OneDocumentPerLineArraysAndNestedItems) {
  const std::vector<ImportEntry> entries = Split(Fixture("lines.jsonl"));
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].line, 1);
  EXPECT_EQ(entries[0].detail, "review 1");
  EXPECT_EQ(entries[1].detail, "review 2");
  EXPECT_EQ(ClaimOf(entries[0]).status(), kDenied);
  EXPECT_EQ(ClaimOf(entries[0]).evidence(0).time().seconds(), 1635832800)
      << "+0200";
  EXPECT_EQ(ClaimOf(entries[1]).status(), kConfirmed);

  // itemReviewed holds the statement; an unknown word is REPORTED with a
  // warning, the number not trusted; a date that is not one is kept.
  const v1::Claim& mayor = ClaimOf(entries[2]);
  EXPECT_EQ(mayor.statement(), "The mayor resigned on Monday");
  EXPECT_EQ(mayor.status(), kReported);
  EXPECT_FALSE(mayor.evidence(0).has_time());
  EXPECT_EQ(mayor.evidence(0).note(),
            "ClaimReview; claimant: A radio host; datePublished: yesterday "
            "afternoon (not a date)");
  EXPECT_THAT((*entries[2].review)->warnings,
              ElementsAre(HasSubstr("\"Bofe\" is not in the verdict table"),
                          HasSubstr("datePublished: \"yesterday afternoon\" "
                                    "is not a date")));

  EXPECT_EQ(entries[3].line, 3);
  EXPECT_THAT(*entries[3].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected a ClaimReview ({\"@type\": "
                                 "\"ClaimReview\", ...}, alone or in an "
                                 "array, @graph or DataFeed); found @type "
                                 "\"Organization\"")));
  EXPECT_EQ(entries[4].line, 4);
  EXPECT_THAT(*entries[4].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("reviewRating.ratingValue: 7 is not on an "
                                 "explicit truth scale")));
}

TEST(ClaimReviewShapes, PrettyPrintedFileWithABrokenDocumentGivesOneError) {
  const std::vector<ImportEntry> entries = Split(Fixture("broken.json"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].line, 1);
  EXPECT_THAT(*entries[0].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "line 6, column 3: expected ',' or '}', found '\"'"));
  EXPECT_EQ(entries[1].line, 8);
  EXPECT_EQ(ClaimOf(entries[1]).status(), kDenied);
}

// testdata/graph_refs.html: the review names its author and the claim by
// @id; the claim node refers back to the review (a cycle), and the publisher
// reference has no node.
TEST(ClaimReviewShapes, GraphReferencesAreFollowedOneLevel) {
  const std::vector<ImportEntry> entries = Split(Fixture("graph_refs.html"));
  ASSERT_EQ(entries.size(), 1u);
  const v1::Claim& claim = ClaimOf(entries[0]);
  EXPECT_EQ(claim.status(), kDenied);
  ASSERT_EQ(claim.evidence_size(), 1);
  EXPECT_EQ(claim.evidence(0).source(), "Verifica Madrid");
  EXPECT_THAT(claim.evidence(0).note(),
              HasSubstr("claimant: Un audio de WhatsApp"));
}

// testdata/claim_appearances.json: the reviewed claim's date, where it
// appeared (objects and a bare URL, one twice) and where it first did.
TEST(ClaimReviewMapping, TheClaimsDateAndAppearancesGoToTheNote) {
  const std::vector<ImportEntry> entries =
      Split(Fixture("claim_appearances.json"));
  ASSERT_EQ(entries.size(), 1u);
  const v1::Claim& claim = ClaimOf(entries[0]);
  ASSERT_EQ(claim.evidence_size(), 1);
  EXPECT_EQ(claim.evidence(0).note(),
            "ClaimReview; claimant: Un blog local; claimDate: 2022-01-30; "
            "appearance: https://blog.example/port, https://forum.example/t/9; "
            "firstAppearance: https://chat.example/first; language: fr; "
            "datePublished: 2022-02-03 10:15");
  // Through an @id reference too.
  const std::vector<ImportEntry> referenced = Split(Fixture("graph_refs.html"));
  ASSERT_EQ(referenced.size(), 1u);
  EXPECT_THAT(ClaimOf(referenced[0]).evidence(0).note(),
              HasSubstr("claimDate: 2024-02-02"));
}

TEST(ClaimReviewShapes, HtmlWithoutAReviewIsOneClearError) {
  std::vector<ImportEntry> entries = Split(
      "<html>\n<script type=\"application/ld+json\">{\"@type\": "
      "\"NewsArticle\"}</script></html>");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(*entries[0].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "no ClaimReview in the page's 1 ld+json block (found "
                       "NewsArticle)"));
  entries = Split("<html><p>nothing</p></html>");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(
      *entries[0].review,
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("without <script type=\"application/ld+json\"> "
                         "blocks")));
  // A broken block that holds the review is reported with its block.
  entries = Split(
      "<html>\n<script type=\"application/ld+json\">{\"@type\": "
      "\"Organization\"}</script>\n<script type=\"application/ld+json\">\n"
      "{\"@type\": \"ClaimReview\", \"claimReviewed\": }\n</script>");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].line, 4);
  EXPECT_EQ(entries[0].detail, "block 2");
  EXPECT_THAT(*entries[0].review,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 4, column 43: expected a JSON value")));
}

TEST(ClaimReviewMapping, TypeArraysPrefixesAndUntypedObjects) {
  for (const char* text : {
           R"({"@type": ["Review", "ClaimReview"], "claimReviewed": "s",
               "reviewRating": {"alternateName": "False"}})",
           R"({"@type": "schema:ClaimReview", "claimReviewed": "s",
               "reviewRating": {"alternateName": "False"}})",
           R"({"@type": "https://schema.org/ClaimReview", "claimReviewed": "s",
               "reviewRating": [{"alternateName": "False"}]})",
           R"({"claimReviewed": "s", "reviewRating": {"name": "False"}})",
       }) {
    const std::vector<ImportEntry> entries = Split(text);
    ASSERT_EQ(entries.size(), 1u) << text;
    EXPECT_EQ(ClaimOf(entries[0]).status(), kDenied) << text;
  }
}

TEST(ClaimReviewMapping, IdentifierNamesTheClaimOtherwiseAHash) {
  absl::StatusOr<ImportedReview> named = ParseClaimReview(
      R"({"identifier": "claims/port-strike", "claimReviewed": "s",
          "author": "Desk", "reviewRating": {"alternateName": "True"}})",
      Table());
  ASSERT_OK(named.status());
  EXPECT_EQ(named->claim.name(), "claims/port-strike");
  absl::StatusOr<ImportedReview> hashed = ParseClaimReview(
      R"({"url": "https://x.example/a", "claimReviewed": "s",
          "reviewRating": {"alternateName": "True"}})",
      Table());
  ASSERT_OK(hashed.status());
  EXPECT_THAT(hashed->claim.name(), MatchesRegex("claims/cr-[0-9a-f]{16}"));
  EXPECT_EQ(hashed->claim.name(),
            "claims/" + DerivedClaimId("https://x.example/a\ns"));
  EXPECT_EQ(hashed->claim.evidence(0).source(), "x.example");
  // Only our own export's form names the claim; a bare id is the
  // publisher's.
  absl::StatusOr<ImportedReview> bare = ParseClaimReview(
      R"({"identifier": "port-strike", "claimReviewed": "s",
          "author": "Desk", "reviewRating": {"alternateName": "True"}})",
      Table());
  ASSERT_OK(bare.status());
  EXPECT_EQ(bare->claim.name(),
            "claims/" + DerivedClaimId("Desk\nport-strike"));
}

// testdata/wp_site_a.html, wp_site_b.html: two sites whose CMS gave their
// reviews the same post number as identifier.
TEST(ClaimReviewMapping, TwoPublishersSameIdentifierAreTwoClaims) {
  const std::vector<ImportEntry> a = Split(Fixture("wp_site_a.html"));
  const std::vector<ImportEntry> b = Split(Fixture("wp_site_b.html"));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(ClaimOf(a[0]).name(),
            "claims/" + DerivedClaimId("sitio-a.example\n48213"));
  EXPECT_EQ(ClaimOf(b[0]).name(),
            "claims/" + DerivedClaimId("sitio-b.example\n48213"));
}

TEST(ClaimReviewMapping, WithoutAnySourceTheClaimHasNoEvidence) {
  absl::StatusOr<ImportedReview> review = ParseClaimReview(
      R"({"claimReviewed": "s", "reviewRating": {"alternateName": "True"}})",
      Table());
  ASSERT_OK(review.status());
  EXPECT_EQ(review->claim.status(), kConfirmed);
  EXPECT_EQ(review->claim.evidence_size(), 0);
}

TEST(ClaimReviewMapping, RejectsWhatIsNotAReviewNamingTheProperty) {
  EXPECT_THAT(ParseClaimReview("[1]", Table()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected a ClaimReview object")));
  EXPECT_THAT(ParseClaimReview(
                  R"({"reviewRating": {"alternateName": "False"}})", Table()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("claimReviewed: is required")));
  EXPECT_THAT(ParseClaimReview(R"({"claimReviewed": "s"})", Table()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("reviewRating: is required")));
  EXPECT_THAT(ParseClaimReview("{", Table()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 1, column 2: expected a member name")));
}

TEST(ParseReviewDate, AcceptsTheFormsPublishersUse) {
  const auto seconds = [](const char* text) -> int64_t {
    std::optional<absl::Time> time = ParseReviewDate(text);
    return time.has_value() ? absl::ToUnixSeconds(*time) : -1;
  };
  EXPECT_EQ(seconds("2020-06-23"), 1592870400);
  EXPECT_EQ(seconds("2020-06-23T20:02:00Z"), 1592942520);
  EXPECT_EQ(seconds("2020-06-23T22:02:00+02:00"), 1592942520);
  EXPECT_EQ(seconds("2020-06-23T22:02:00+0200"), 1592942520);
  EXPECT_EQ(seconds("2020-06-23 22:02:00 +0200"), 1592942520);
  EXPECT_EQ(seconds("2020-06-23 20:02"), 1592942520);
  EXPECT_EQ(seconds("2020-06-23T22:02+02:00"), 1592942520);
  EXPECT_EQ(seconds("2020-06-23T20:02:00.5Z"), 1592942520);
  EXPECT_EQ(seconds("2020-06-23 20:02:00 UTC"), 1592942520);
  EXPECT_EQ(seconds("June 23, 2020"), 1592870400);
  EXPECT_EQ(seconds("Jun 23, 2020"), 1592870400);
  EXPECT_EQ(seconds("23 June 2020"), 1592870400);
  EXPECT_EQ(seconds("Tue, 23 Jun 2020 20:02:00 GMT"), 1592942520);
  EXPECT_EQ(seconds("Tue, 23 Jun 2020 22:02:00 +0200"), 1592942520);
  EXPECT_EQ(seconds("2020-6-23"), 1592870400);
  EXPECT_EQ(seconds("20200623"), 1592870400);
  EXPECT_EQ(seconds("23/06/2020"), -1);  // or is it 06/23?
  EXPECT_EQ(seconds("06/23/2020"), -1);
  EXPECT_EQ(seconds("June 2020"), -1);
  EXPECT_EQ(seconds("2020"), -1);
  EXPECT_EQ(seconds(""), -1);
  EXPECT_TRUE(IsStandardDate("2020-06-23T20:02:00Z"));
  EXPECT_FALSE(IsStandardDate("2020-06-23 20:02"));
}

TEST(DecodeHtmlEntities, DecodesWhatPublishersLeaveInJson) {
  EXPECT_EQ(DecodeHtmlEntities("Biden&#039;s &quot;plan&quot; &amp; more"),
            "Biden's \"plan\" & more");
  EXPECT_EQ(DecodeHtmlEntities("d&amp;#039;Oeste &#x4E2D;&eacute;"),
            "d'Oeste 中é");
  EXPECT_EQ(DecodeHtmlEntities("AT&T; 5 &lt 6 &unknown; &#0; &#xD800;"),
            "AT&T; 5 &lt 6 &unknown; &#0; &#xD800;");
}

TEST(DecodeHtmlEntities, KnowsEveryHtml4NamedReference) {
  // Latin-1, the first and last names in byte order.
  EXPECT_EQ(DecodeHtmlEntities("&AElig;&Aring;&ograve;&ugrave;&igrave;&oslash;"
                               "&thorn;&yuml;&zwnj;"),
            "ÆÅòùìøþÿ\u200C");
  // Symbols and Greek.
  EXPECT_EQ(DecodeHtmlEntities("&alpha;&Omega;&thetasym;&forall;&hearts;&le;"),
            "αΩϑ∀♥≤");
  // Special: Latin Extended-A, punctuation, currency.
  EXPECT_EQ(DecodeHtmlEntities("&oelig;&Scaron;&ndash;&mdash;&lsquo;&hellip;"
                               "&trade;&permil;&euro;&dagger;"),
            "œŠ–—‘…™‰€†");
  // Names are case-sensitive.
  EXPECT_EQ(DecodeHtmlEntities("&Euro; &OGRAVE;"), "&Euro; &OGRAVE;");
}

// testdata/entities.jsonl: Italian, Norwegian and French reviews with named
// references the old table lacked.
TEST(ClaimReviewMapping, NamedReferencesInEveryLanguageAreDecoded) {
  const std::vector<ImportEntry> entries = Split(Fixture("entities.jsonl"));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(ClaimOf(entries[0]).statement(),
            "La città ha speso di più, però senza gara");
  EXPECT_EQ(ClaimOf(entries[1]).statement(),
            "Bussen til Åndalsnes blir gratis for øyboere");
  EXPECT_EQ(ClaimOf(entries[1]).evidence(0).source(), "Sjekkå");
  EXPECT_EQ(ClaimOf(entries[2]).statement(),
            "Le cœur de ville coûtera 2 milliards d’€ – selon l’opposition…");
}

v1::Claim Exported() {
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
  return claim;
}

TEST(ClaimReviewJson, ExportsTheVerdictEvidenceAndReadsBackTheSame) {
  const v1::Claim claim = Exported();
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
  absl::StatusOr<ImportedReview> back = ParseClaimReview(json, Table());
  ASSERT_OK(back.status());
  EXPECT_EQ(back->claim.name(), "claims/border");
  EXPECT_EQ(back->claim.statement(), claim.statement());
  EXPECT_EQ(back->claim.status(), kDenied);
  ASSERT_EQ(back->claim.evidence_size(), 1);
  EXPECT_EQ(back->claim.evidence(0).source(), "Ministry");
  EXPECT_EQ(back->claim.evidence(0).url(), "https://example.org/d");
  EXPECT_EQ(back->claim.evidence(0).time().seconds(), 1714557600);
  EXPECT_EQ(back->claim.evidence(0).note(), "ClaimReview");
  EXPECT_EQ(ClaimReviewJson(back->claim), json);
}

TEST(ClaimReviewJson, WritesBackThePublishersWording) {
  const std::vector<ImportEntry> entries = Split(Fixture("page_pt.html"));
  ASSERT_EQ(entries.size(), 2u);
  const std::string json = ClaimReviewJson(ClaimOf(entries[0]));
  EXPECT_THAT(json, HasSubstr(R"("ratingValue":3,"bestRating":5,)"
                              R"("worstRating":1,"alternateName":)"
                              R"("Não é bem assim"})"));
  // Evidence recorded by hand (no ClaimReview note) exports generic words.
  v1::Claim manual = Exported();
  manual.mutable_evidence(1)->set_quote("They denied it on the radio");
  EXPECT_THAT(ClaimReviewJson(manual),
              HasSubstr("\"alternateName\":\"False\""));
}

TEST(ClaimReviewJson, AClaimWithoutEvidenceRoundTripsByteIdentical) {
  v1::Claim claim;
  claim.set_name("claims/bare");
  claim.set_statement("No evidence at all");
  claim.set_status(kReported);
  claim.mutable_update_time()->set_seconds(1714557600);
  const std::string json = ClaimReviewJson(claim);
  EXPECT_THAT(json, Not(HasSubstr("datePublished")));
  absl::StatusOr<ImportedReview> back = ParseClaimReview(json, Table());
  ASSERT_OK(back.status());
  EXPECT_EQ(back->claim.evidence_size(), 0);
  EXPECT_EQ(back->claim.status(), kReported);
  EXPECT_EQ(ClaimReviewJson(back->claim), json);
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
              MatchesRegex("import:x:1:review-[0-9a-f]{16}"));

  v1::Claim other = Review(kDenied, "A");
  other.set_statement("another");
  EXPECT_EQ(PlanClaimReviewImport(Review(kDenied, "A"), other, "me").result,
            ImportResult::kSkipped);
}

// Found by an outside check: a publisher's correction that also reworded
// claimReviewed was skipped ("already exists with another statement"), so its
// newer verdict never landed. An id derived from the publisher's identifier
// names the same review whatever the wording.
TEST(PlanClaimReviewImport, ACorrectionThatRewordsTheClaimStillRatesIt) {
  v1::Claim stored = Review(kConfirmed, "A");
  stored.set_name("claims/cr-0a1368311654643c");
  v1::Claim corrected = Review(kDenied, "A");
  corrected.set_name("claims/cr-0a1368311654643c");
  corrected.set_statement("s, reworded");
  const ImportPlan plan = PlanClaimReviewImport(corrected, stored, "me");
  EXPECT_EQ(plan.result, ImportResult::kUpdated);
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_EQ(plan.updates[0].status(), kDenied);
  EXPECT_THAT(plan.updates[0].evidence().note(),
              HasSubstr("the review now words the claim: \"s, reworded\""));
  // The same verdict again, reworded: nothing to change.
  v1::Claim same = Review(kConfirmed, "A");
  same.set_name("claims/cr-0a1368311654643c");
  same.set_statement("s, reworded");
  EXPECT_EQ(PlanClaimReviewImport(same, stored, "me").result,
            ImportResult::kUnchanged);
  // A very long new wording is cut to what the server takes in a note.
  corrected.set_statement(std::string(5000, 'w'));
  const ImportPlan long_plan = PlanClaimReviewImport(corrected, stored, "me");
  ASSERT_EQ(long_plan.updates.size(), 1u);
  EXPECT_LE(long_plan.updates[0].evidence().note().size(), 4096u);
}

// What the server makes of a plan: the create, then each update appended.
void Apply(const ImportPlan& plan, std::optional<v1::Claim>* stored) {
  if (plan.create.has_value()) {
    *stored = plan.create->claim();
    (*stored)->set_name("claims/" + plan.create->claim_id());
    for (v1::Evidence& item : *(*stored)->mutable_evidence()) {
      item.set_status((*stored)->status());
    }
  }
  for (const v1::UpdateClaimStatusRequest& update : plan.updates) {
    v1::Evidence& item = *(*stored)->add_evidence();
    item = update.evidence();
    item.set_status(update.status());
    (*stored)->set_status(update.status());
  }
}

// testdata/corrections.jsonl: one publisher's review of one claim, rated
// False, corrected to Mostly True (dateModified only), corrected back to
// False, then re-rated Mostly False.
TEST(PlanClaimReviewImport, FollowsThePublishersCorrectionsInOrder) {
  const std::vector<ImportEntry> entries = Split(Fixture("corrections.jsonl"));
  ASSERT_EQ(entries.size(), 4u);
  std::optional<v1::Claim> stored;
  std::vector<ImportResult> results;
  std::vector<std::string> request_ids;
  for (const ImportEntry& entry : entries) {
    const ImportPlan plan = PlanClaimReviewImport(ClaimOf(entry), stored, "me");
    results.push_back(plan.result);
    for (const auto& update : plan.updates) {
      request_ids.push_back(update.request_id());
    }
    Apply(plan, &stored);
  }
  EXPECT_THAT(results,
              ElementsAre(ImportResult::kCreated, ImportResult::kUpdated,
                          ImportResult::kUpdated, ImportResult::kUnchanged));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status(), kDenied);
  ASSERT_EQ(stored->evidence_size(), 3);
  EXPECT_EQ(stored->evidence(1).quote(), "Mostly True");
  // The correction's time is its dateModified; datePublished stays in the
  // note.
  EXPECT_EQ(FormatTimestamp(stored->evidence(1).time()),
            "2024-03-04T09:30:00Z");
  EXPECT_THAT(stored->evidence(1).note(),
              HasSubstr("datePublished: 2024-03-01"));
  // Each update is a request of its own, named by the evidence index it
  // makes: a later flip back to an earlier verdict is not a replay.
  const std::string id = ClaimIdOf(stored->name());
  EXPECT_THAT(
      request_ids,
      ElementsAre(MatchesRegex("import:" + id + ":1:review-[0-9a-f]+"),
                  MatchesRegex("import:" + id + ":2:review-[0-9a-f]+")));
}

TEST(PlanClaimReviewImport, AStaleCopyDoesNotUndoANewerVerdict) {
  const std::vector<ImportEntry> entries = Split(Fixture("corrections.jsonl"));
  ASSERT_EQ(entries.size(), 4u);
  std::optional<v1::Claim> stored;
  for (int i : {0, 1, 2}) {
    Apply(PlanClaimReviewImport(ClaimOf(entries[i]), stored, "me"), &stored);
  }
  // The Mostly True correction of 2024-03-04 again, after False of 03-08.
  const ImportPlan stale =
      PlanClaimReviewImport(ClaimOf(entries[1]), stored, "me");
  EXPECT_EQ(stale.result, ImportResult::kSkipped);
  EXPECT_THAT(stale.skip_reason,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("holds a newer review by Check Desk "
                                 "(2024-03-08T00:00:00Z, DENIED)")));
  EXPECT_TRUE(stale.updates.empty());
  // Without times the review cannot be placed: it is applied.
  v1::Claim untimed = ClaimOf(entries[1]);
  untimed.mutable_evidence(0)->clear_time();
  EXPECT_EQ(PlanClaimReviewImport(untimed, stored, "me").result,
            ImportResult::kUpdated);
}

TEST(PlanClaimReviewImport, ARetryOfTheSamePlanIsTheSameRequest) {
  v1::Claim stored = Review(kDenied, "A");
  const ImportPlan first =
      PlanClaimReviewImport(Review(kConfirmed, "A"), stored, "me");
  const ImportPlan again =
      PlanClaimReviewImport(Review(kConfirmed, "A"), stored, "me");
  ASSERT_EQ(first.updates.size(), 1u);
  ASSERT_EQ(again.updates.size(), 1u);
  EXPECT_EQ(first.updates[0].request_id(), again.updates[0].request_id());
  EXPECT_THAT(first.updates[0].request_id(),
              MatchesRegex("import:x:1:review-[0-9a-f]{16}"));
}

TEST(SplitImportInput, JsonLinesKeepTheirNumbers) {
  const std::vector<ImportEntry> lines =
      SplitImportInput("\xEF\xBB\xBF{\"a\":1}\r\n\n  \n{\"b\":2}\n",
                       ImportFormat::kJsonLines, Table());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].line, 1);
  EXPECT_EQ(lines[0].text, "{\"a\":1}");
  EXPECT_FALSE(lines[0].review.has_value());
  EXPECT_EQ(lines[1].line, 4);
}

TEST(SplitImportInput, FormatNames) {
  EXPECT_EQ(*ParseImportFormat("factcheck-api"), ImportFormat::kFactCheckApi);
  EXPECT_THAT(ParseImportFormat("csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("jsonl, claimreview or factcheck-api")));
}

}  // namespace
}  // namespace claimd::client
