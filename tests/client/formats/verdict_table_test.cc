// The verdict table (verdict_table.h), the shipped verdicts.tsv, and the
// rules that turn a published rating into a verdict (verdict.h), judged
// against ratings as fact-checkers publish them (testdata/ratings.tsv).
#include "client/formats/verdict_table.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/formats/verdict.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

#ifndef CLAIMD_FORMATS_TESTDATA
#error "CLAIMD_FORMATS_TESTDATA must name tests/client/formats/testdata"
#endif
#ifndef CLAIMD_SHIPPED_VERDICTS
#error "CLAIMD_SHIPPED_VERDICTS must name client/formats/verdicts.tsv"
#endif

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

constexpr auto kReported = v1::VERIFICATION_STATUS_REPORTED;
constexpr auto kConfirmed = v1::VERIFICATION_STATUS_CONFIRMED;
constexpr auto kDenied = v1::VERIFICATION_STATUS_DENIED;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const VerdictTable& Shipped() {
  static const VerdictTable* table = [] {
    absl::StatusOr<VerdictTable> loaded = VerdictTable::Default();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new VerdictTable(loaded.ok() ? *std::move(loaded) : VerdictTable());
  }();
  return *table;
}

v1::VerificationStatus WordVerdict(absl::string_view wording) {
  return Shipped().Classify(wording).status;
}

TEST(NormalizeWording, FoldsCasePunctuationAndSpellingVariants) {
  EXPECT_EQ(NormalizeWording("  Pants on Fire! "), "pants on fire");
  EXPECT_EQ(NormalizeWording("«FALSO»"), "falso");
  EXPECT_EQ(NormalizeWording("ENGAÑOSO"), "engañoso");
  EXPECT_EQ(NormalizeWording("Não É Bem Assim"), "não é bem assim");
  EXPECT_EQ(NormalizeWording("Verdadero, pero..."), "verdadero pero");
  EXPECT_EQ(NormalizeWording("half-true"), "half true");
  // Turkish dotted and dotless i are one letter.
  EXPECT_EQ(NormalizeWording("YANLIŞ"), NormalizeWording("Yanlış"));
  EXPECT_EQ(NormalizeWording("İddia"), NormalizeWording("iddia"));
  // Arabic vowel marks dropped, alef forms unified.
  EXPECT_EQ(NormalizeWording("مُضلِّل"), "مضلل");
  EXPECT_EQ(NormalizeWording("خطأ"), NormalizeWording("خطا"));
  // Devanagari: precomposed or combining nukta, or none.
  EXPECT_EQ(NormalizeWording("\u095E\u0930\u094D\u095B\u0940"),
            NormalizeWording("फर्जी"));
  EXPECT_EQ(NormalizeWording("\u092B\u093C\u0930\u094D\u091C\u093C\u0940"),
            NormalizeWording("फर्जी"));
  // CJK punctuation is a break.
  EXPECT_EQ(NormalizeWording("錯誤。影片"), "錯誤 影片");
  EXPECT_EQ(NormalizeWording("【錯誤】"), "錯誤");
  EXPECT_EQ(NormalizeWording("?!..."), "");
}

TEST(VerdictTable, ShippedTableCoversElevenLanguages) {
  ASSERT_GT(Shipped().size(), 300u);
  // One true and one false word per language, as publishers write them.
  const std::vector<std::pair<const char*, const char*>> pairs = {
      {"True", "False"}, {"Verdadero", "Falso"}, {"Verdadeiro", "Enganoso"},
      {"Vrai", "Faux"},  {"Richtig", "Falsch"},  {"Vero", "Fuorviante"},
      {"सच", "भ्रामक"},   {"صحيح", "زائف"},       {"Benar", "Hoaks"},
      {"正確", "錯誤"},  {"Doğru", "Yanlış"},
  };
  for (const auto& [yes, no] : pairs) {
    EXPECT_EQ(WordVerdict(yes), kConfirmed) << yes;
    EXPECT_EQ(WordVerdict(no), kDenied) << no;
  }
}

TEST(VerdictTable, ShippedFileIsTheCompiledTable) {
  absl::StatusOr<VerdictTable> file =
      VerdictTable::Parse(ReadFile(CLAIMD_SHIPPED_VERDICTS), "verdicts.tsv");
  ASSERT_OK(file.status());
  EXPECT_EQ(file->size(), Shipped().size());
}

TEST(VerdictTable, SentenceThatBeginsWithAVerdictCounts) {
  EXPECT_EQ(WordVerdict("Falsch. Das Video stammt aus dem Jahr 2019."),
            kDenied);
  EXPECT_EQ(WordVerdict("फ़र्ज़ी: सरकार ने ऐसी कोई योजना घोषित नहीं की है।"),
            kDenied);
  EXPECT_EQ(WordVerdict("錯誤，影片是舊的"), kDenied);
  // The longest row wins: "mostly false", not "mostly true" or "false".
  EXPECT_EQ(Shipped().Classify("Mostly false: the figure is old").row,
            "mostly false");
  // A phrase is read whole: "no es cierto" is not "cierto".
  EXPECT_EQ(WordVerdict("No es cierto que el tren sea gratis"), kDenied);
  // A word must end where the row ends.
  EXPECT_EQ(Shipped().Classify("Falsehoods abound").basis,
            WordingVerdict::Basis::kUnknown);
  EXPECT_EQ(Shipped().Classify("錯誤訊息").basis,
            WordingVerdict::Basis::kUnknown);
}

TEST(VerdictTable, AnotherVerdictLaterMakesItMixed) {
  const WordingVerdict mixed = Shipped().Classify("True, but misleading");
  EXPECT_EQ(mixed.basis, WordingVerdict::Basis::kMixed);
  EXPECT_EQ(mixed.status, kReported);
  EXPECT_EQ(Shipped().Classify("Half true, half false").status, kReported);
  EXPECT_EQ(Shipped().Classify("False, but true in part").basis,
            WordingVerdict::Basis::kMixed);
}

TEST(VerdictTable, ALeadingVerdictThatEndsASentenceDecides) {
  for (const char* rating :
       {"Falso. Es cierto que subió, pero no tanto",
        "False. The true count was 40", "Incorrect. The correct share is 3%",
        "Falsch. Richtig ist, dass es 2015 war", "Falsch! Wahr ist nur ...",
        "Faux : c'est vrai ailleurs", "False; it is true of 2019",
        "False - the true figure is lower", "False \u2014 true in 2019",
        "錯誤。真實的照片是舊的"}) {
    const WordingVerdict verdict = Shipped().Classify(rating);
    EXPECT_EQ(verdict.basis, WordingVerdict::Basis::kWord) << rating;
    EXPECT_EQ(verdict.status, kDenied) << rating;
  }
  EXPECT_EQ(WordVerdict("Mostly true. The false part is minor"), kConfirmed);
  // A sentence end with nothing after it is only punctuation.
  EXPECT_EQ(Shipped().Classify("True, not false.").basis,
            WordingVerdict::Basis::kMixed);
}

// A negation written after the word takes the word back; the rating is then
// what the table says of the whole phrase, or unknown, never the word.
TEST(VerdictTable, ANegationAfterTheWordIsNotTheWord) {
  EXPECT_EQ(WordVerdict("सच नहीं"), kDenied) << "not true";
  EXPECT_EQ(WordVerdict("सही नही है"), kDenied) << "not correct, nahi spelling";
  for (const char* rating :
       {"Yanlış değil", "YANLIŞ DEĞİL", "गलत नहीं", "झूठ नहीं है", "صحيح نہیں",
        "সত্য নয়", "正確 ではない", "사실 아님", "Doğru, yanlış değil"}) {
    const WordingVerdict verdict = Shipped().Classify(rating);
    EXPECT_EQ(verdict.status == kConfirmed || verdict.status == kDenied, false)
        << rating << " is " << v1::VerificationStatus_Name(verdict.status);
  }
  EXPECT_EQ(Shipped().Classify("Yanlış değil").basis,
            WordingVerdict::Basis::kUnknown);
  // Rows that hold the negation are read whole, as before.
  EXPECT_EQ(WordVerdict("Doğru değil"), kDenied);
  EXPECT_EQ(WordVerdict("Das stimmt nicht"), kDenied);
  // A negation elsewhere in an explanation is not after the word.
  EXPECT_EQ(WordVerdict("झूठ: यह वीडियो भारत का नहीं है"), kDenied);
}

TEST(VerdictTable, RichtigIstLeadsIntoTheCorrection) {
  for (const char* rating :
       {"Richtig ist: Die Zahl sank seit 2015.", "Falsch ist, dass er log",
        "Richtig ist das nicht"}) {
    EXPECT_EQ(Shipped().Classify(rating).basis, WordingVerdict::Basis::kUnknown)
        << rating;
  }
  // A verdict of its own before it still decides.
  EXPECT_EQ(WordVerdict("Falsch. Richtig ist: Die Zahl sank."), kDenied);
  Rating rating;
  rating.wording = "Richtig ist: Die Zahl sank.";
  rating.value = "5";
  rating.best = "5";
  rating.worst = "1";
  absl::StatusOr<Verdict> verdict = DecideVerdict(Shipped(), rating, "");
  ASSERT_OK(verdict.status());
  EXPECT_EQ(verdict->status, kReported);
  EXPECT_THAT(verdict->warning, HasSubstr("is not in the verdict table"));
}

TEST(VerdictTable, RejectsBrokenRowsNamingTheLine) {
  EXPECT_THAT(VerdictTable::Parse("# c\nDENIED\tes\n", "mine.tsv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mine.tsv:2: expected "
                                 "VERDICT<TAB>LANGUAGE<TAB>WORDING")));
  EXPECT_THAT(VerdictTable::Parse("FALSE\ten\tnope\n", "mine.tsv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mine.tsv:1: expected CONFIRMED, DENIED or "
                                 "REPORTED")));
  EXPECT_THAT(VerdictTable::Parse("DENIED\ten\t...\n", "mine.tsv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mine.tsv:1: expected wording")));
  EXPECT_THAT(
      VerdictTable::Parse("DENIED\ten\tBogus\n\nCONFIRMED\ten\tbogus!\n",
                          "mine.tsv"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("mine.tsv:3: \"bogus!\" is CONFIRMED here but line "
                         "1 gives the same wording another verdict")));
}

TEST(VerdictTable, UserRowsAddAndOverride) {
  VerdictTable table = Shipped();
  EXPECT_EQ(table.Classify("Bofe").basis, WordingVerdict::Basis::kUnknown);
  absl::StatusOr<VerdictTable> mine = VerdictTable::Parse(
      "DENIED\tpt\tBofe\r\nREPORTED\ten\tMisleading\tour desk's rule\n",
      "mine.tsv");
  ASSERT_OK(mine.status());
  table.Override(*mine);
  EXPECT_EQ(table.Classify("Bofe").status, kDenied);
  EXPECT_EQ(table.Classify("Misleading").status, kReported);
  EXPECT_EQ(table.size(), Shipped().size() + 1);
}

Rating MakeRating(std::string wording, const char* value = nullptr,
                  const char* best = nullptr, const char* worst = nullptr) {
  Rating rating;
  rating.wording = std::move(wording);
  if (value != nullptr) rating.value = value;
  if (best != nullptr) rating.best = best;
  if (worst != nullptr) rating.worst = worst;
  return rating;
}

TEST(DecideVerdict, TheWordWinsOverANumberThatDisagrees) {
  // Lupa: ratingValue is an index into its own label list.
  absl::StatusOr<Verdict> bem = DecideVerdict(
      Shipped(), MakeRating("Não é bem assim", "5", "6", "1"), "");
  ASSERT_OK(bem.status());
  EXPECT_EQ(bem->status, kReported);
  EXPECT_EQ(bem->note, "ratingValue 5 of 1..6 not used: the wording decides");
  absl::StatusOr<Verdict> falso =
      DecideVerdict(Shipped(), MakeRating("Falso", "4", "6", "1"), "");
  ASSERT_OK(falso.status());
  EXPECT_EQ(falso->status, kDenied);
  EXPECT_EQ(falso->basis, Verdict::Basis::kWord);
  EXPECT_TRUE(falso->warning.empty());
}

TEST(DecideVerdict, EmptyOrBrokenNumbersDoNotStopAClearWord) {
  absl::StatusOr<Verdict> verdict =
      DecideVerdict(Shipped(), MakeRating("Falso", "", "", ""), "");
  ASSERT_OK(verdict.status());
  EXPECT_EQ(verdict->status, kDenied);
  verdict = DecideVerdict(Shipped(), MakeRating("Falso", "high"), "");
  ASSERT_OK(verdict.status());
  EXPECT_EQ(verdict->status, kDenied);
}

TEST(DecideVerdict, ANumberAloneNeedsAnExplicitScale) {
  EXPECT_EQ(
      DecideVerdict(Shipped(), MakeRating("", "9", "10", "0"), "")->status,
      kConfirmed);
  EXPECT_EQ(DecideVerdict(Shipped(), MakeRating("", "1", "5", "1"), "")->status,
            kDenied);
  EXPECT_EQ(DecideVerdict(Shipped(), MakeRating("", "3", "5", "1"), "")->status,
            kReported);
  EXPECT_THAT(
      DecideVerdict(Shipped(), MakeRating("", "2"), "reviewRating."),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("reviewRating.ratingValue: 2 is not on an explicit "
                         "truth scale")));
  EXPECT_THAT(DecideVerdict(Shipped(), MakeRating("", "7", "5", "1"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("7 is outside the scale 1..5")));
  EXPECT_THAT(DecideVerdict(Shipped(), MakeRating("", "3", "3", "3"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("equals worstRating")));
  EXPECT_THAT(DecideVerdict(Shipped(), MakeRating("", "high", "5", "1"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ratingValue: expected a number, found "
                                 "\"high\"")));
  EXPECT_THAT(DecideVerdict(Shipped(), MakeRating(""), "reviewRating."),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("reviewRating.alternateName: expected the "
                                 "publisher's rating")));
}

TEST(DecideVerdict, AnUnknownWordIsReportedWithAWarningWhateverTheNumber) {
  absl::StatusOr<Verdict> verdict =
      DecideVerdict(Shipped(), MakeRating("Bofe", "5", "5", "1"), "");
  ASSERT_OK(verdict.status());
  EXPECT_EQ(verdict->status, kReported);
  EXPECT_EQ(verdict->basis, Verdict::Basis::kUnknownWord);
  EXPECT_THAT(verdict->warning,
              HasSubstr("\"Bofe\" is not in the verdict table; imported as "
                        "REPORTED"));
}

// Every published rating of the corpus gets the verdict a fact-checker would
// accept, and none crosses from true to DENIED or from false to CONFIRMED.
TEST(DecideVerdict, PublishedRatingsCorpus) {
  const std::string corpus =
      ReadFile(std::string(CLAIMD_FORMATS_TESTDATA) + "/ratings.tsv");
  int checked = 0;
  for (absl::string_view line : absl::StrSplit(corpus, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> columns = absl::StrSplit(line, '\t');
    ASSERT_GE(columns.size(), 6u) << line;
    Rating rating;
    rating.wording = columns[1];
    if (!columns[2].empty()) rating.value = columns[2];
    if (!columns[3].empty()) rating.best = columns[3];
    if (!columns[4].empty()) rating.worst = columns[4];
    absl::StatusOr<Verdict> verdict = DecideVerdict(Shipped(), rating, "");
    ASSERT_OK(verdict.status()) << line;
    const v1::VerificationStatus expected =
        columns[0] == "CONFIRMED" ? kConfirmed
        : columns[0] == "DENIED"  ? kDenied
                                  : kReported;
    EXPECT_EQ(v1::VerificationStatus_Name(verdict->status),
              v1::VerificationStatus_Name(expected))
        << "\"" << columns[1] << "\" (" << columns[5] << ")";
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

// The table's own rows, with the most contrary number: never crossed.
TEST(DecideVerdict, NoRowIsOverriddenByAContraryNumber) {
  const std::string tsv = ReadFile(CLAIMD_SHIPPED_VERDICTS);
  for (absl::string_view line : absl::StrSplit(tsv, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> columns = absl::StrSplit(line, '\t');
    ASSERT_GE(columns.size(), 3u) << line;
    const bool is_true = columns[0] == "CONFIRMED";
    const bool is_false = columns[0] == "DENIED";
    absl::StatusOr<Verdict> verdict = DecideVerdict(
        Shipped(), MakeRating(columns[2], is_true ? "1" : "5", "5", "1"), "");
    ASSERT_OK(verdict.status()) << line;
    if (is_true) {
      EXPECT_NE(verdict->status, kDenied) << line;
    }
    if (is_false) {
      EXPECT_NE(verdict->status, kConfirmed) << line;
    }
    EXPECT_EQ(v1::VerificationStatus_Name(verdict->status),
              absl::StrCat("VERIFICATION_STATUS_", columns[0]))
        << line;
  }
}

}  // namespace
}  // namespace claimd::client
