#include "client/render/render.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::testing::HasSubstr;

constexpr int64_t kMay1At10 = 1714557600;    // 2024-05-01T10:00:00Z
constexpr int64_t kMay2At0830 = 1714638600;  // 2024-05-02T08:30:00Z
constexpr int64_t kMay4At10 = 1714816800;    // 2024-05-04T10:00:00Z

RenderOptions Plain() {
  return RenderOptions{
      .color = false, .width = 0, .now = absl::FromUnixSeconds(kMay4At10)};
}

RenderOptions Coloured() {
  RenderOptions options = Plain();
  options.color = true;
  return options;
}

v1::Evidence MakeEvidence(std::string source, v1::VerificationStatus status,
                          int64_t revision, int64_t time) {
  v1::Evidence evidence;
  evidence.set_source(std::move(source));
  evidence.set_status(status);
  evidence.set_revision(revision);
  evidence.mutable_time()->set_seconds(time);
  return evidence;
}

// claims/abc: reported at revision 3 by Israel Hayom, confirmed at 12.
v1::Claim Confirmed() {
  v1::Claim claim;
  claim.set_name("claims/abc");
  claim.set_statement("Troops crossed the border");
  claim.set_status(v1::VERIFICATION_STATUS_CONFIRMED);
  claim.set_revision(12);
  claim.set_create_revision(3);
  claim.mutable_create_time()->set_seconds(kMay1At10);
  claim.mutable_update_time()->set_seconds(kMay2At0830);
  (*claim.mutable_labels())["lang"] = "en";
  (*claim.mutable_labels())["desk"] = "world";
  v1::Evidence* first = claim.add_evidence();
  *first = MakeEvidence("Israel Hayom", v1::VERIFICATION_STATUS_REPORTED, 3,
                        kMay1At10);
  first->set_url("https://example.org/a");
  first->set_actor("alice");
  v1::Evidence* second = claim.add_evidence();
  *second = MakeEvidence("Ukrainian officials",
                         v1::VERIFICATION_STATUS_CONFIRMED, 12, kMay2At0830);
  second->set_quote("They crossed at dawn");
  second->set_actor("bob");
  return claim;
}

v1::ClaimEvent CreatedEvent() {
  v1::ClaimEvent event;
  event.set_revision(3);
  event.set_type(v1::EVENT_TYPE_CREATED);
  event.mutable_event_time()->set_seconds(kMay1At10);
  v1::Claim* claim = event.mutable_claim();
  *claim = Confirmed();
  claim->set_status(v1::VERIFICATION_STATUS_REPORTED);
  claim->set_revision(3);
  claim->mutable_evidence()->RemoveLast();
  return event;
}

v1::ClaimEvent ConfirmedEvent() {
  v1::ClaimEvent event;
  event.set_revision(12);
  event.set_type(v1::EVENT_TYPE_STATUS_CHANGED);
  event.set_previous_status(v1::VERIFICATION_STATUS_REPORTED);
  event.mutable_event_time()->set_seconds(kMay2At0830);
  *event.mutable_claim() = Confirmed();
  return event;
}

TEST(RenderClaimsTable, PrintsAlignedColumns) {
  v1::Claim other;
  other.set_name("claims/xyz");
  other.set_statement("Bridge destroyed");
  other.set_status(v1::VERIFICATION_STATUS_REPORTED);
  other.set_revision(4);
  EXPECT_EQ(
      RenderClaimsTable({Confirmed(), other}, Plain()),
      "ID    STATUS      REV   EVIDENCE   AGE   STATEMENT\n"
      "abc   CONFIRMED   12    2          3d    Troops crossed the border\n"
      "xyz   REPORTED    4     0          -     Bridge destroyed\n");
}

TEST(RenderClaimsTable, TruncatesStatementsToTheTerminalWidth) {
  RenderOptions options = Plain();
  options.width = 50;  // 41 columns precede the statement; it keeps 10
  EXPECT_EQ(RenderClaimsTable({Confirmed()}, options),
            "ID    STATUS      REV   EVIDENCE   AGE   STATEMENT\n"
            "abc   CONFIRMED   12    2          3d    Troops ...\n");
}

TEST(RenderClaimsTable, ColoursStatusesOnlyWhenAsked) {
  v1::Claim denied = Confirmed();
  denied.set_status(v1::VERIFICATION_STATUS_DENIED);
  v1::Claim reported = Confirmed();
  reported.set_status(v1::VERIFICATION_STATUS_REPORTED);
  const std::string coloured =
      RenderClaimsTable({Confirmed(), denied, reported}, Coloured());
  EXPECT_THAT(coloured, HasSubstr("\033[32mCONFIRMED\033[0m   12"));
  EXPECT_THAT(coloured, HasSubstr("\033[31mDENIED\033[0m      12"));
  EXPECT_THAT(coloured, HasSubstr("\033[33mREPORTED\033[0m    12"));
  EXPECT_THAT(RenderClaimsTable({Confirmed()}, Plain()),
              ::testing::Not(HasSubstr("\033")));
}

TEST(RenderClaimDetail, PrintsEveryFieldAndEvidence) {
  EXPECT_EQ(RenderClaimDetail(Confirmed(), Plain()),
            "Name:        claims/abc\n"
            "Statement:   Troops crossed the border\n"
            "Status:      CONFIRMED\n"
            "Revision:    12\n"
            "Created:     2024-05-01T10:00:00Z (revision 3)\n"
            "Updated:     2024-05-02T08:30:00Z\n"
            "Labels:      desk=world\n"
            "             lang=en\n"
            "Evidence:    2\n"
            "  1. REPORTED at revision 3, 2024-05-01T10:00:00Z\n"
            "     Source:  Israel Hayom\n"
            "     URL:     https://example.org/a\n"
            "     Actor:   alice\n"
            "  2. CONFIRMED at revision 12, 2024-05-02T08:30:00Z\n"
            "     Source:  Ukrainian officials\n"
            "     Quote:   \"They crossed at dawn\"\n"
            "     Actor:   bob\n");
}

TEST(RenderClaimDetail, SaysNoneForNoLabelsOrEvidenceAndIndentsNewlines) {
  v1::Claim claim;
  claim.set_name("claims/x");
  claim.set_statement("line one\nline two");
  claim.set_status(v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(RenderClaimDetail(claim, Plain()),
            "Name:        claims/x\n"
            "Statement:   line one\n"
            "             line two\n"
            "Status:      REPORTED\n"
            "Revision:    0\n"
            "Created:     - (revision 0)\n"
            "Updated:     -\n"
            "Labels:      <none>\n"
            "Evidence:    <none>\n");
}

TEST(RenderHistoryTable, ShowsStatusChangesAndSources) {
  EXPECT_EQ(RenderHistoryTable({CreatedEvent(), ConfirmedEvent()},
                               /*show_claim_id=*/false, Plain()),
            "REV   TIME                   TYPE             STATUS              "
            "    SOURCE                QUOTE\n"
            "3     2024-05-01T10:00:00Z   CREATED          REPORTED            "
            "    Israel Hayom          -\n"
            "12    2024-05-02T08:30:00Z   STATUS_CHANGED   REPORTED -> "
            "CONFIRMED   Ukrainian officials   \"They crossed at dawn\"\n");
}

TEST(RenderHistoryTable, ShowsClaimIdsForAllClaims) {
  v1::ClaimEvent deleted = ConfirmedEvent();
  deleted.set_revision(13);
  deleted.set_type(v1::EVENT_TYPE_DELETED);
  deleted.set_previous_status(v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(RenderHistoryTable({ConfirmedEvent(), deleted},
                               /*show_claim_id=*/true, Plain()),
            "REV   TIME                   ID    TYPE             STATUS        "
            "          SOURCE                QUOTE\n"
            "12    2024-05-02T08:30:00Z   abc   STATUS_CHANGED   REPORTED -> "
            "CONFIRMED   Ukrainian officials   \"They crossed at dawn\"\n"
            "13    2024-05-02T08:30:00Z   abc   DELETED          CONFIRMED     "
            "          -                     -\n");
}

TEST(RenderHistoryTable, ShowsQuotesEscapedAndCutUnlessWide) {
  v1::ClaimEvent event = ConfirmedEvent();
  // A control character from the server must not reach the terminal.
  event.mutable_claim()->mutable_evidence(1)->set_quote(
      "They crossed\033[2J at dawn, " + std::string(40, 'q'));
  const std::string table =
      RenderHistoryTable({event}, /*show_claim_id=*/false, Plain());
  EXPECT_THAT(table, HasSubstr("QUOTE\n"));
  EXPECT_THAT(table,
              HasSubstr("Ukrainian officials   \"They crossed [2J at dawn, "
                        "qqqqqqqqqqq...\"\n"));
  RenderOptions wide = Plain();
  wide.wide = true;
  wide.width = 80;  // -o wide prints the whole quote even on a terminal
  EXPECT_THAT(RenderHistoryTable({event}, false, wide),
              HasSubstr("at dawn, " + std::string(40, 'q') + "\"\n"));
}

TEST(RenderEventLine, PrintsChangeStatementAndSource) {
  EXPECT_EQ(RenderEventLine(ConfirmedEvent(), Plain()),
            "rev 12  2024-05-02T08:30:00Z  STATUS_CHANGED  claims/abc  "
            "REPORTED -> CONFIRMED  \"Troops crossed the border\"  source: "
            "Ukrainian officials\n");
}

TEST(RenderEventLine, ShowsTheCommitTimeInTheChosenZone) {
  RenderOptions options = Plain();
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  options.zone = paris;
  EXPECT_THAT(RenderEventLine(ConfirmedEvent(), options),
              HasSubstr("rev 12  2024-05-02T10:30:00+02:00  STATUS_CHANGED"));
}

TEST(RenderEventLine, ColoursBothStatusesOfAChange) {
  EXPECT_THAT(RenderEventLine(ConfirmedEvent(), Coloured()),
              HasSubstr("\033[33mREPORTED\033[0m -> \033[32mCONFIRMED\033[0m"));
}

TEST(RenderEventLine, CutsLongStatementsAndOmitsMissingSource) {
  v1::ClaimEvent event;
  event.set_revision(7);
  event.set_type(v1::EVENT_TYPE_SNAPSHOT);
  event.mutable_claim()->set_name("claims/long");
  event.mutable_claim()->set_status(v1::VERIFICATION_STATUS_DENIED);
  event.mutable_claim()->set_statement(std::string(70, 'x'));
  *event.mutable_claim()->add_evidence() =
      MakeEvidence("S", v1::VERIFICATION_STATUS_DENIED, 7, kMay1At10);
  EXPECT_EQ(RenderEventLine(event, Plain()),
            "rev 7  -  SNAPSHOT  claims/long  DENIED  \"" +
                std::string(57, 'x') + "...\"\n");
}

TEST(RenderEventLine, FitsTheStatementToTheTerminalWidth) {
  v1::ClaimEvent event = ConfirmedEvent();
  event.mutable_claim()->set_statement(std::string(200, 'x'));
  RenderOptions options = Coloured();
  options.width = 140;
  const std::string line = RenderEventLine(event, options);
  // The visible line (colour codes aside, newline aside) is exactly the width.
  std::string visible = line.substr(0, line.size() - 1);
  for (const char* code : {"\033[33m", "\033[32m", "\033[0m"}) {
    for (size_t at; (at = visible.find(code)) != std::string::npos;) {
      visible.erase(at, std::string(code).size());
    }
  }
  EXPECT_EQ(visible.size(), 140u) << visible;
  EXPECT_THAT(visible, HasSubstr("...\"  source: Ukrainian officials"));
}

TEST(RenderJson, PrintsProtoJsonOnOneLine) {
  v1::Claim claim;
  claim.set_name("claims/x");
  claim.set_statement("s");
  claim.set_status(v1::VERIFICATION_STATUS_CONFIRMED);
  claim.set_revision(7);
  absl::StatusOr<std::string> json = RenderJson(claim);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json,
            "{\"name\":\"claims/x\",\"statement\":\"s\","
            "\"status\":\"VERIFICATION_STATUS_CONFIRMED\",\"revision\":\"7\"}");
}

TEST(RenderJson, PrintsEventsWithTimestamps) {
  absl::StatusOr<std::string> json = RenderJson(ConfirmedEvent());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"type\":\"EVENT_TYPE_STATUS_CHANGED\""));
  EXPECT_THAT(*json, HasSubstr("\"eventTime\":\"2024-05-02T08:30:00Z\""));
  EXPECT_THAT(*json, ::testing::Not(HasSubstr("\n")));
}

TEST(ShouldUseColor, OnlyOnATerminalWithoutNoColor) {
  EXPECT_TRUE(ShouldUseColor(true, nullptr));
  EXPECT_TRUE(ShouldUseColor(true, ""));
  EXPECT_FALSE(ShouldUseColor(true, "1"));
  EXPECT_FALSE(ShouldUseColor(false, nullptr));
}

TEST(FormatAge, UsesTheLargestSensibleUnit) {
  EXPECT_EQ(FormatAge(absl::Seconds(-5)), "0s");
  EXPECT_EQ(FormatAge(absl::Seconds(119)), "119s");
  EXPECT_EQ(FormatAge(absl::Minutes(7)), "7m");
  EXPECT_EQ(FormatAge(absl::Hours(5)), "5h");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 12)), "12d");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 365 * 3)), "3y");
}

}  // namespace
}  // namespace claimd::client
