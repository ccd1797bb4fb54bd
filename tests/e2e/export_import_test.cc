// claimctl export / import / watch --once against real claimds: JSON Lines
// and ClaimReview round trips into a fresh server, a file with broken lines
// (reported by line number, nothing stored lost), idempotent re-imports, and
// the one-line OUT_OF_RANGE advice of watch.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimctl_fixture.h"

#ifndef CLAIMD_CLAIMREVIEW_SAMPLE
#error "CLAIMD_CLAIMREVIEW_SAMPLE must name client/testdata/claimreviews.jsonl"
#endif

namespace claimd::e2e {
namespace {

namespace v1 = ::claims::v1;
using ::testing::HasSubstr;
using ::testing::Not;

class ClaimctlExportImportTest : public ClaimctlTest {
 protected:
  // A second, empty claimd.
  std::unique_ptr<ClaimdHarness> StartOther(const std::string& name) {
    const std::string dir = dir_.File(name);
    std::filesystem::create_directories(dir);
    auto other = std::make_unique<ClaimdHarness>(
        dir + "/data", dir, std::vector<std::string>{"--shutdown_grace=2s"});
    EXPECT_OK(other->Start());
    return other;
  }

  CommandResult CtlAt(const ClaimdHarness& server,
                      std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server.address()});
    return RunCommand(ClaimctlBinary(), args, dir_.path());
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The claims of a JSON Lines export, without what the server assigns
  // (revisions and times of the claim; evidence keeps its time).
  static std::vector<std::string> Comparable(const std::string& jsonl) {
    std::vector<std::string> claims;
    for (const std::string& line : Lines(jsonl)) {
      v1::Claim claim;
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(line, &claim).ok())
          << line;
      claim.clear_revision();
      claim.clear_create_revision();
      claim.clear_create_time();
      claim.clear_update_time();
      for (v1::Evidence& evidence : *claim.mutable_evidence()) {
        evidence.clear_revision();
      }
      claims.push_back(claim.ShortDebugString());
    }
    return claims;
  }

  void CreateSampleClaims() {
    CtlOk({"create", "Troops crossed the border at dawn", "--id", "border",
           "--label", "desk=world", "--source", "Israel Hayom", "--url",
           "https://example.org/a"});
    CtlOk({"confirm", "border", "--source", "Ukrainian officials", "--quote",
           "They crossed at 5am"});
    CtlOk({"create", "The minister refused a call", "--id", "call"});
    CtlOk({"deny", "call", "--source", "Defence Ministry"});
    CtlOk({"create", "Exports doubled", "--id", "exports", "--source",
           "Trade desk"});
  }
};

TEST_F(ClaimctlExportImportTest, JsonLinesRoundTripIntoAFreshServer) {
  CreateSampleClaims();
  CommandResult exported = CtlOk({"export"});
  EXPECT_EQ(Lines(exported.out).size(), 3u) << exported.out;
  EXPECT_THAT(exported.err, HasSubstr("exported 3 claims"));
  CommandResult denied = CtlOk({"export", "--filter", "status = DENIED"});
  ASSERT_EQ(Lines(denied.out).size(), 1u) << denied.out;
  EXPECT_THAT(denied.out, HasSubstr("claims/call"));

  const std::string file = WriteFile("export.jsonl", exported.out);
  std::unique_ptr<ClaimdHarness> other = StartOther("other");
  CommandResult imported = CtlAt(*other, {"import", file});
  ASSERT_TRUE(imported.exit.Success()) << imported.Describe();
  EXPECT_THAT(imported.out,
              HasSubstr("imported 3 lines: 3 created, 0 updated, 0 "
                        "unchanged, 0 failed"));
  CommandResult again = CtlAt(*other, {"export"});
  ASSERT_TRUE(again.exit.Success()) << again.Describe();
  EXPECT_EQ(Comparable(again.out), Comparable(exported.out));

  // Into the server it came from: nothing to do.
  CommandResult same = CtlOk({"import", file});
  EXPECT_THAT(same.out, HasSubstr("0 created, 0 updated, 3 unchanged"));
}

TEST_F(ClaimctlExportImportTest, BrokenLinesAreReportedByNumberAndSkipped) {
  CreateSampleClaims();
  const std::string before = CtlOk({"export"}).out;
  const std::string file = WriteFile(
      "broken.jsonl",
      "{\"name\": \"claims/new-one\", \"statement\": \"A new claim\"}\n"
      "{\"name\": \"claims/half\", \"statement\": \n"
      "\n"
      "{\"name\": \"claims/no-statement\"}\n"
      "{\"name\": \"claims/border\", \"statement\": \"Another statement\"}\n"
      "{\"name\": \"claims/new-two\", \"statement\": \"Another new claim\", "
      "\"evidence\": [{\"source\": \"Wire\", \"status\": \"VERIFICATION_"
      "STATUS_CONFIRMED\"}]}\n");
  CommandResult imported = Ctl({"import", file});
  EXPECT_EQ(imported.exit.code, 1) << imported.Describe();
  EXPECT_THAT(imported.err, HasSubstr(absl::StrCat("broken.jsonl:2: ")));
  EXPECT_THAT(imported.err, HasSubstr("broken.jsonl:4: statement"));
  EXPECT_THAT(imported.err, HasSubstr("broken.jsonl:5: "));
  EXPECT_THAT(imported.err, Not(HasSubstr("broken.jsonl:1:")));
  EXPECT_THAT(imported.err, Not(HasSubstr("\r")))
      << "no progress bar when stderr is not a terminal";
  EXPECT_THAT(imported.out,
              HasSubstr("imported 5 lines: 2 created, 0 updated, 0 unchanged, "
                        "2 failed, 1 skipped"));

  // Everything stored before is still there, unchanged; the good lines landed.
  const std::string after = CtlOk({"export"}).out;
  for (const std::string& claim : Comparable(before)) {
    EXPECT_THAT(Comparable(after), ::testing::Contains(claim));
  }
  EXPECT_EQ(Lines(after).size(), 5u) << after;
  EXPECT_THAT(CtlOk({"get", "new-two"}).out, HasSubstr("CONFIRMED"));
}

TEST_F(ClaimctlExportImportTest, ClaimReviewSampleImportsOnceAndRoundTrips) {
  CommandResult imported =
      Ctl({"import", "--format", "claimreview", CLAIMD_CLAIMREVIEW_SAMPLE});
  EXPECT_EQ(imported.exit.code, 1) << imported.Describe();
  EXPECT_THAT(imported.err,
              HasSubstr("claimreviews.jsonl:7: claimReviewed: is required"));
  EXPECT_THAT(imported.out, HasSubstr("imported 7 lines: 6 created, 0 "
                                      "updated, 0 unchanged, 1 failed"));
  EXPECT_EQ(Lines(CtlOk({"list", "--filter", "status = DENIED"}).out).size(),
            3u)
      << "a header, the bridge (False) and the fireworks (Pants on Fire)";
  EXPECT_EQ(Lines(CtlOk({"list", "--filter", "status = CONFIRMED"}).out).size(),
            4u)
      << "a header, Mostly True, 9 of 0..10, Correct";
  CommandResult strike = CtlOk({"get", "port-strike"});
  EXPECT_THAT(strike.out, HasSubstr("CONFIRMED"));
  EXPECT_THAT(strike.out, HasSubstr("Verify Network"));

  CommandResult again =
      Ctl({"import", "--format", "claimreview", CLAIMD_CLAIMREVIEW_SAMPLE});
  EXPECT_THAT(again.out, HasSubstr("0 created, 0 updated, 6 unchanged, "
                                   "1 failed"));

  // A new verdict on a known claim is added as evidence.
  const std::string update = WriteFile(
      "update.jsonl",
      "{\"@type\": \"ClaimReview\", \"identifier\": \"claims/port-strike\", "
      "\"claimReviewed\": \"Dock workers at the port went on strike on 18 "
      "May\", \"author\": {\"name\": \"Second Desk\"}, \"reviewRating\": "
      "{\"alternateName\": \"False\"}}\n");
  CommandResult updated = CtlOk({"import", "--format", "claimreview", update});
  EXPECT_THAT(updated.out, HasSubstr("0 created, 1 updated"));
  EXPECT_THAT(CtlOk({"get", "port-strike"}).out, HasSubstr("DENIED"));

  // export --format claimreview into a fresh server and back out: the same.
  CommandResult exported = CtlOk({"export", "--format", "claimreview"});
  ASSERT_EQ(Lines(exported.out).size(), 6u) << exported.out;
  const std::string file = WriteFile("reviews.jsonl", exported.out);
  std::unique_ptr<ClaimdHarness> other = StartOther("other");
  CommandResult into =
      CtlAt(*other, {"import", "--format", "claimreview", file});
  ASSERT_TRUE(into.exit.Success()) << into.Describe();
  EXPECT_THAT(into.out, HasSubstr("6 created"));
  CommandResult back = CtlAt(*other, {"export", "--format", "claimreview"});
  const std::vector<std::string> first = Lines(exported.out);
  const std::vector<std::string> second = Lines(back.out);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()),
            std::set<std::string>(second.begin(), second.end()));
}

TEST_F(ClaimctlExportImportTest, WatchOncePrintsTheSnapshotAndExits) {
  CreateSampleClaims();
  CommandResult once = CtlOk({"-o", "json", "watch", "--once"});
  const std::vector<std::string> lines = Lines(once.out);
  ASSERT_EQ(lines.size(), 3u) << once.Describe();
  for (const std::string& line : lines) {
    EXPECT_THAT(line, HasSubstr("\"EVENT_TYPE_SNAPSHOT\""));
  }
  EXPECT_THAT(once.err, HasSubstr("snapshot complete at revision 5; resume "
                                  "with `claimctl watch --from-revision 6`"));
}

TEST(ClaimctlWatchTrimmed, OutOfRangeSaysHowToResnapshot) {
  claimd::testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path(),
                       {"--history_retention=2", "--compaction_interval=100ms",
                        "--shutdown_grace=2s"});
  ASSERT_OK(claimd.Start());
  for (int i = 0; i < 6; ++i) {
    CommandResult created =
        RunCommand(ClaimctlBinary(),
                   {"--server", claimd.address(), "create", "statement", "--id",
                    absl::StrCat("c", i)},
                   dir.path());
    ASSERT_TRUE(created.exit.Success()) << created.Describe();
  }
  // Compaction runs in the background: retry until revision 1 is gone.
  CommandResult watch;
  for (int attempt = 0; attempt < 10; ++attempt) {
    watch = RunCommand(
        ClaimctlBinary(),
        {"--server", claimd.address(), "watch", "--from-revision", "1"},
        dir.path(), absl::Seconds(3));
    if (!watch.timed_out) break;
  }
  EXPECT_EQ(watch.exit.code, 1) << watch.Describe();
  EXPECT_THAT(watch.err, HasSubstr("(OUT_OF_RANGE)"));
  EXPECT_THAT(watch.err, HasSubstr("run `claimctl watch --snapshot`"));
  EXPECT_EQ(std::count(watch.err.begin(), watch.err.end(), '\n'), 1)
      << watch.err;
}

}  // namespace
}  // namespace claimd::e2e
