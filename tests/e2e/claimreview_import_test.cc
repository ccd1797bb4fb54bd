// claimctl import of fact-checkers' data as published, against a real
// claimd: a saved HTML page, an @graph document, a Fact Check Tools API
// response, errors that name lines and --max_errors, and ClaimReview export
// -> import into a fresh server -> export giving the same bytes (the
// publisher's wording included, and a claim without evidence).
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimctl_fixture.h"

#ifndef CLAIMD_FORMATS_TESTDATA
#error "CLAIMD_FORMATS_TESTDATA must name tests/client/formats/testdata"
#endif

namespace claimd::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Testdata(const std::string& name) {
  return absl::StrCat(CLAIMD_FORMATS_TESTDATA, "/", name);
}

class ClaimctlFormatsTest : public ClaimctlTest {
 protected:
  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

TEST_F(ClaimctlFormatsTest, SavedHtmlPageImportsItsReviews) {
  CommandResult imported =
      Ctl({"import", "--format", "claimreview", Testdata("page_pt.html")});
  ASSERT_TRUE(imported.exit.Success()) << imported.Describe();
  EXPECT_THAT(imported.out, HasSubstr("imported 2 lines: 2 created"));
  CommandResult reported =
      CtlOk({"-o", "json", "list", "--filter", "status = REPORTED"});
  EXPECT_THAT(reported.out, HasSubstr("prefeito d'Oeste"));
  EXPECT_THAT(reported.out, HasSubstr("\"quote\":\"Não é bem assim\""));
  EXPECT_THAT(reported.out, HasSubstr("\"source\":\"agencia.example.com.br\""));
  EXPECT_THAT(reported.out, HasSubstr("2020-06-23T20:02:00Z"));
  CommandResult denied =
      CtlOk({"-o", "json", "list", "--filter", "status = DENIED"});
  EXPECT_THAT(denied.out, HasSubstr("A merenda escolar acabou"));

  CommandResult again =
      Ctl({"import", "--format", "claimreview", Testdata("page_pt.html")});
  EXPECT_THAT(again.out, HasSubstr("0 created, 0 updated, 2 unchanged"));
}

TEST_F(ClaimctlFormatsTest, GraphAndDataFeedDocuments) {
  CommandResult graph =
      CtlOk({"import", "--format", "claimreview", Testdata("graph_es.json")});
  EXPECT_THAT(graph.out, HasSubstr("imported 1 line: 1 created"));
  CommandResult feed =
      CtlOk({"import", "--format", "claimreview", Testdata("datafeed.json")});
  EXPECT_THAT(feed.out, HasSubstr("11 created"));
  CommandResult denied =
      CtlOk({"-o", "json", "list", "--filter", "status = DENIED"});
  EXPECT_EQ(Lines(denied.out).size(), 10u) << denied.out;
  EXPECT_THAT(denied.out, HasSubstr("El tren regional será gratis"));
  EXPECT_THAT(denied.out, HasSubstr("\"quote\":\"YANLIŞ\""));
}

TEST_F(ClaimctlFormatsTest, FactCheckApiResponse) {
  CommandResult imported =
      CtlOk({"-o", "json", "import", "--format", "factcheck-api",
             Testdata("factcheck_search.json")});
  EXPECT_THAT(imported.err,
              HasSubstr("imported 4 lines: 3 created, 1 updated"));
  CommandResult denied =
      CtlOk({"-o", "json", "list", "--filter", "status = DENIED"});
  ASSERT_EQ(Lines(denied.out).size(), 1u) << denied.out;
  EXPECT_THAT(denied.out, HasSubstr("\"source\":\"Desk Example\""));
  EXPECT_THAT(denied.out, HasSubstr("\"source\":\"verifica.example.es\""));
  EXPECT_THAT(denied.out,
              HasSubstr("\"quote\":\"Falso: las vacunas no contienen "
                        "microchips\""));
}

TEST_F(ClaimctlFormatsTest, ErrorsNameLinesWarningsAndMaxErrorsStops) {
  CommandResult lines =
      Ctl({"import", "--format", "claimreview", Testdata("lines.jsonl")});
  EXPECT_EQ(lines.exit.code, 1) << lines.Describe();
  EXPECT_THAT(lines.err,
              HasSubstr("lines.jsonl:2: warning: the rating \"Bofe\" is not "
                        "in the verdict table"));
  EXPECT_THAT(lines.err, HasSubstr("lines.jsonl:3: expected a ClaimReview"));
  EXPECT_THAT(lines.err,
              HasSubstr("lines.jsonl:4: reviewRating.ratingValue: 7 is not "
                        "on an explicit truth scale"));
  EXPECT_THAT(lines.out, HasSubstr("3 created"));

  CommandResult broken =
      Ctl({"import", "--format", "claimreview", Testdata("broken.json")});
  EXPECT_THAT(broken.err,
              HasSubstr("broken.json:1: line 6, column 3: expected ',' or "
                        "'}', found '\"'"));
  EXPECT_THAT(broken.out, HasSubstr("1 created, 0 updated, 0 unchanged, 1 "
                                    "failed"));

  std::string binary;
  for (int i = 0; i < 500; ++i) binary += "\x01\x02garbage\xff\n";
  const std::string binary_file = WriteFile("binary.bin", binary);
  // As ClaimReview: not JSON, one error for the whole file.
  CommandResult once = Ctl({"import", "--format", "claimreview", binary_file});
  EXPECT_EQ(once.exit.code, 1) << once.Describe();
  EXPECT_EQ(Lines(once.err).size(), 1u) << once.err;
  EXPECT_THAT(once.err, HasSubstr("binary.bin:1: line 1, column 1: expected a "
                                  "JSON value"));
  // As JSON Lines: an error per line, until --max_errors.
  CommandResult stopped = Ctl({"import", "--max_errors", "5", binary_file});
  EXPECT_EQ(stopped.exit.code, 1) << stopped.Describe();
  EXPECT_EQ(Lines(stopped.err).size(), 6u) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("stopped after 5 failed entries "
                                     "(--max_errors 5); nothing after line 5 "
                                     "was imported"));

  // A user's own verdict words.
  const std::string words = WriteFile("words.tsv", "DENIED\tpt\tBofe\n");
  CommandResult mine = Ctl({"import", "--format", "claimreview", "--verdicts",
                            words, Testdata("lines.jsonl")});
  EXPECT_THAT(mine.err, Not(HasSubstr("Bofe")));
  CommandResult bad_words =
      Ctl({"import", "--format", "claimreview", "--verdicts",
           WriteFile("bad.tsv", "x\n"), Testdata("lines.jsonl")});
  EXPECT_EQ(bad_words.exit.code, 2) << bad_words.Describe();
  EXPECT_THAT(bad_words.err, HasSubstr("bad.tsv:1: expected "
                                       "VERDICT<TAB>LANGUAGE<TAB>WORDING"));
}

TEST_F(ClaimctlFormatsTest, ExportImportExportIsByteIdentical) {
  CtlOk({"import", "--format", "claimreview", Testdata("page_pt.html")});
  CtlOk({"import", "--format", "factcheck-api",
         Testdata("factcheck_search.json")});
  CtlOk({"create", "A claim nobody has checked yet", "--id", "bare"});
  CommandResult exported = CtlOk({"export", "--format", "claimreview"});
  ASSERT_EQ(Lines(exported.out).size(), 6u) << exported.out;
  EXPECT_THAT(exported.out, HasSubstr("\"alternateName\":\"Não é bem assim\""));
  EXPECT_THAT(exported.out, HasSubstr("\"alternateName\":\"Exagerado\""));
  const std::string file = WriteFile("reviews.jsonl", exported.out);

  const std::string other_dir = dir_.File("other");
  std::filesystem::create_directories(other_dir);
  ClaimdHarness other(other_dir + "/data", other_dir, {"--shutdown_grace=2s"});
  ASSERT_OK(other.Start());
  CommandResult into = RunCommand(
      ClaimctlBinary(),
      {"--server", other.address(), "import", "--format", "claimreview", file},
      dir_.path());
  ASSERT_TRUE(into.exit.Success()) << into.Describe();
  EXPECT_THAT(into.out, HasSubstr("6 created"));
  CommandResult back = RunCommand(
      ClaimctlBinary(),
      {"--server", other.address(), "export", "--format", "claimreview"},
      dir_.path());
  ASSERT_TRUE(back.exit.Success()) << back.Describe();
  EXPECT_EQ(back.out, exported.out);
}

}  // namespace
}  // namespace claimd::e2e
