// claimctl top without a terminal: the model (applying snapshot and live
// events, dedupe by revision, counts, rate, sort, selection), the screen
// layout at a given size, and the keys.
#include "client/top/top_model.h"

#include <string>
#include <vector>

#include "client/top/top_keys.h"
#include "client/top/top_screen.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

v1::ClaimEvent Event(v1::EventType type, const std::string& id,
                     int64_t revision, v1::VerificationStatus status,
                     const std::string& statement = "a statement",
                     int evidence = 0) {
  v1::ClaimEvent event;
  event.set_type(type);
  event.set_revision(revision);
  v1::Claim& claim = *event.mutable_claim();
  claim.set_name("claims/" + id);
  claim.set_revision(revision);
  claim.set_status(status);
  claim.set_statement(statement);
  for (int i = 0; i < evidence; ++i) {
    claim.add_evidence()->set_source("source " + std::to_string(i));
  }
  claim.mutable_update_time()->set_seconds(absl::ToUnixSeconds(kNow) - 120);
  return event;
}

// A snapshot event: the snapshot's revision, the claim's own revision.
v1::ClaimEvent Snapshot(const std::string& id, int64_t claim_revision,
                        int64_t snapshot_revision,
                        v1::VerificationStatus status) {
  v1::ClaimEvent event =
      Event(v1::EVENT_TYPE_SNAPSHOT, id, claim_revision, status);
  event.set_revision(snapshot_revision);
  return event;
}

std::vector<std::string> Ids(const TopModel& model) {
  std::vector<std::string> ids;
  for (const TopRow* row : model.SortedRows()) ids.push_back(row->id);
  return ids;
}

constexpr auto kReported = v1::VERIFICATION_STATUS_REPORTED;
constexpr auto kConfirmed = v1::VERIFICATION_STATUS_CONFIRMED;
constexpr auto kDenied = v1::VERIFICATION_STATUS_DENIED;

TEST(TopModel, SnapshotThenLiveEventsBuildTheTable) {
  TopModel model("host:1", "");
  model.ApplyEvent(Snapshot("a", 3, 10, kReported), kNow);
  model.ApplyEvent(Snapshot("b", 7, 10, kConfirmed), kNow);
  model.SetSnapshotComplete(10);
  model.ApplyEvent(Event(v1::EVENT_TYPE_STATUS_CHANGED, "a", 11, kDenied),
                   kNow);
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "c", 12, kReported), kNow);
  EXPECT_EQ(model.size(), 3u);
  EXPECT_EQ(model.Count(kReported), 1);
  EXPECT_EQ(model.Count(kDenied), 1);
  EXPECT_EQ(model.Count(kConfirmed), 1);
  EXPECT_TRUE(model.snapshot_complete());
  EXPECT_EQ(model.state(), ConnectionState::kLive);
  EXPECT_THAT(Ids(model), ElementsAre("c", "a", "b"));  // most recent first
}

TEST(TopModel, AStoreResetRebuildsTheTableAndSaysWhy) {
  TopModel model("host:1", "status = DENIED");
  model.ApplyEvent(Snapshot("a", 3, 10, kDenied), kNow);
  model.SetSnapshotComplete(10);
  model.SetStoreReset(absl::FailedPreconditionError("store_id s1 is not s2"));
  EXPECT_EQ(model.size(), 0u);
  EXPECT_FALSE(model.snapshot_complete());
  EXPECT_EQ(model.filter(), "status = DENIED");
  EXPECT_THAT(model.notice(), HasSubstr("store restored or replaced"));
  model.ApplyEvent(Snapshot("b", 2, 4, kDenied), kNow);
  model.SetSnapshotComplete(4);
  EXPECT_THAT(Ids(model), ElementsAre("b"));
  model.Reset("status = REPORTED");  // the user's new filter
  EXPECT_EQ(model.notice(), "");
}

TEST(TopModel, AnEventSeenTwiceOrOlderChangesNothing) {
  TopModel model("host:1", "");
  model.ApplyEvent(Event(v1::EVENT_TYPE_STATUS_CHANGED, "a", 11, kDenied),
                   kNow);
  // A redone snapshot at an older claim revision, and the same event again.
  model.ApplyEvent(Snapshot("a", 5, 12, kReported), kNow);
  model.ApplyEvent(Event(v1::EVENT_TYPE_STATUS_CHANGED, "a", 11, kConfirmed),
                   kNow);
  ASSERT_EQ(model.size(), 1u);
  EXPECT_EQ(model.SortedRows()[0]->status, kDenied);
  EXPECT_EQ(model.SortedRows()[0]->revision, 11);
}

TEST(TopModel, DeletionRemovesTheRowAndOlderEventsDoNotBringItBack) {
  TopModel model("host:1", "");
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 4, kReported), kNow);
  v1::ClaimEvent deleted = Event(v1::EVENT_TYPE_DELETED, "a", 9, kReported);
  deleted.mutable_claim()->set_revision(4);  // the claim as it was
  model.ApplyEvent(deleted, kNow);
  EXPECT_EQ(model.size(), 0u);
  model.ApplyEvent(Snapshot("a", 4, 9, kReported), kNow);
  EXPECT_EQ(model.size(), 0u);
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 15, kConfirmed), kNow);
  EXPECT_EQ(model.size(), 1u);
}

TEST(TopModel, AClaimThatLeavesTheFilterLeavesTheTable) {
  TopModel model("host:1", "status = REPORTED");
  model.ApplyEvent(Snapshot("a", 4, 9, kReported), kNow);
  model.ApplyEvent(Snapshot("b", 5, 9, kReported), kNow);
  model.ApplyLeftFilter(
      Event(v1::EVENT_TYPE_STATUS_CHANGED, "a", 10, kConfirmed), kNow);
  ASSERT_EQ(model.size(), 1u);
  EXPECT_EQ(model.SortedRows()[0]->name, "claims/b");
  // A redone snapshot's older copy does not bring it back; a later change
  // that matches again does.
  model.ApplyEvent(Snapshot("a", 4, 9, kReported), kNow);
  EXPECT_EQ(model.size(), 1u);
  model.ApplyEvent(Event(v1::EVENT_TYPE_STATUS_CHANGED, "a", 12, kReported),
                   kNow);
  EXPECT_EQ(model.size(), 2u);
}

TEST(TopModel, ConnectionStatesKeepTheResumeRevision) {
  TopModel model("host:1", "");
  EXPECT_EQ(model.state(), ConnectionState::kConnecting);
  model.SetLive(20);
  model.SetReconnecting(absl::UnavailableError("gone"), 21,
                        kNow + absl::Seconds(2));
  EXPECT_EQ(model.state(), ConnectionState::kReconnecting);
  EXPECT_EQ(model.revision(), 21);
  EXPECT_EQ(model.last_error().message(), "gone");
  model.SetLive(25);
  EXPECT_EQ(model.state(), ConnectionState::kLive);
  EXPECT_EQ(model.revision(), 25);
  model.SetFailed(absl::OutOfRangeError("trimmed"));
  EXPECT_EQ(model.state(), ConnectionState::kFailed);
}

TEST(TopModel, EventRateCountsChangesInTheLastWindowOnly) {
  TopModel model("host:1", "");
  model.ApplyEvent(Snapshot("s", 1, 2, kReported), kNow);  // not counted
  for (int i = 0; i < 10; ++i) {
    model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "c" + std::to_string(i),
                           10 + i, kReported),
                     kNow - absl::Seconds(i));
  }
  // Events at now, now-1s, ..., now-4s are within 5 s.
  EXPECT_DOUBLE_EQ(model.EventsPerSecond(kNow), 1.0);
  EXPECT_DOUBLE_EQ(model.EventsPerSecond(kNow + absl::Minutes(1)), 0.0);
}

TEST(TopModel, SortCyclesAndSelectionFollowsTheRow) {
  TopModel model("host:1", "");
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "b", 1, kConfirmed, "x", 3),
                   kNow);
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "c", 2, kDenied, "x", 1),
                   kNow);
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 3, kReported, "x", 2),
                   kNow);
  EXPECT_EQ(model.sort(), TopSort::kRecent);
  EXPECT_THAT(Ids(model), ElementsAre("a", "c", "b"));
  model.MoveSelection(1);
  EXPECT_EQ(model.SelectedName(), "claims/c");
  model.CycleSort();
  EXPECT_EQ(model.sort(), TopSort::kId);
  EXPECT_THAT(Ids(model), ElementsAre("a", "b", "c"));
  EXPECT_EQ(model.SelectedName(), "claims/c");
  EXPECT_EQ(model.SelectedIndex(), 2u);
  model.CycleSort();
  EXPECT_THAT(Ids(model), ElementsAre("a", "c", "b"));  // status
  model.CycleSort();
  EXPECT_THAT(Ids(model), ElementsAre("b", "a", "c"));  // evidence
  model.CycleSort();
  EXPECT_EQ(model.sort(), TopSort::kRecent);
  model.MoveSelection(100);
  EXPECT_EQ(model.SelectedName(), "claims/b");
  model.MoveSelection(-100);
  EXPECT_EQ(model.SelectedName(), "claims/a");
}

TEST(TopModel, ResetStartsOverWithTheNewFilter) {
  TopModel model("host:1", "");
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 1, kReported), kNow);
  model.SetSnapshotComplete(1);
  model.Reset("status = DENIED");
  EXPECT_EQ(model.size(), 0u);
  EXPECT_EQ(model.filter(), "status = DENIED");
  EXPECT_EQ(model.state(), ConnectionState::kConnecting);
  EXPECT_FALSE(model.snapshot_complete());
}

std::vector<std::string> Texts(const TopScreen& screen) {
  std::vector<std::string> lines;
  for (const TopLine& line : screen) lines.push_back(PlainText(line));
  return lines;
}

TEST(TopScreen, FitsEightyByTwentyFourWithHeaderRowsAndKeys) {
  TopModel model("127.0.0.1:50051", "");
  for (int i = 0; i < 40; ++i) {
    model.ApplyEvent(
        Event(v1::EVENT_TYPE_CREATED, "claim-" + std::to_string(100 + i), i + 1,
              i % 2 ? kConfirmed : kReported, std::string(200, 'w'), 2),
        kNow);
  }
  model.SetSnapshotComplete(40);
  TopViewState view;
  const TopScreen screen =
      RenderTopScreen(model, view, {.rows = 24, .cols = 80, .now = kNow});
  const std::vector<std::string> lines = Texts(screen);
  ASSERT_EQ(lines.size(), 24u);
  for (const std::string& line : lines) EXPECT_LE(line.size(), 80u) << line;
  EXPECT_THAT(lines[0], StartsWith("claimctl top  127.0.0.1:50051  LIVE at "
                                   "revision 40"));
  EXPECT_THAT(lines[0], HasSubstr("events/s"));
  EXPECT_THAT(lines[1], StartsWith("40 claims  REPORTED 20  CONFIRMED 20  "
                                   "DENIED 0  sort: recent  filter: (none)"));
  EXPECT_THAT(lines[2], StartsWith("ID"));
  EXPECT_THAT(lines[2], HasSubstr("STATEMENT"));
  // The newest claim first, selected, with a cut statement and its age.
  EXPECT_THAT(lines[3], StartsWith("claim-139  CONFIRMED"));
  EXPECT_THAT(lines[3], HasSubstr("2m  www"));
  EXPECT_THAT(lines[3], HasSubstr("..."));
  EXPECT_TRUE(screen[3].selected);
  EXPECT_FALSE(screen[4].selected);
  EXPECT_THAT(lines[23], HasSubstr("q quit"));
  // 20 table rows between the header lines and the keys.
  EXPECT_THAT(lines[22], StartsWith("claim-120"));
}

TEST(TopScreen, ScrollsToKeepTheSelectionVisible) {
  TopModel model("h:1", "");
  for (int i = 0; i < 30; ++i) {
    model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "c" + std::to_string(10 + i),
                           i + 1, kReported),
                     kNow);
  }
  TopViewState view;
  model.MoveSelection(25);  // c14
  const std::vector<std::string> lines = Texts(
      RenderTopScreen(model, view, {.rows = 10, .cols = 60, .now = kNow}));
  EXPECT_EQ(view.table_top, 20u);  // 6 rows shown: 20..25
  EXPECT_THAT(lines[8], StartsWith("c14 "));
  EXPECT_EQ(ScrollTop(20, 22, 6), 20u);
  EXPECT_EQ(ScrollTop(20, 5, 6), 5u);
}

TEST(TopScreen, ShowsReconnectingWithTheResumeRevision) {
  TopModel model("h:1", "status = REPORTED");
  model.SetLive(41);
  model.SetReconnecting(absl::UnavailableError("connection refused"), 42,
                        kNow + absl::Seconds(3));
  TopViewState view;
  const std::vector<std::string> lines = Texts(
      RenderTopScreen(model, view, {.rows = 24, .cols = 100, .now = kNow}));
  EXPECT_THAT(lines[0], HasSubstr("RECONNECTING from revision 42 in 3s: "
                                  "connection refused"));
  EXPECT_THAT(lines[1], HasSubstr("filter: status = REPORTED"));
}

TEST(TopScreen, TinyScreensStillGetExactlyTheirSize) {
  TopModel model("h:1", "");
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 1, kReported), kNow);
  TopViewState view;
  for (size_t rows : {1u, 2u, 5u}) {
    for (size_t cols : {1u, 10u, 30u}) {
      const TopScreen screen = RenderTopScreen(
          model, view, {.rows = rows, .cols = cols, .now = kNow});
      ASSERT_EQ(screen.size(), rows);
      for (const TopLine& line : screen) {
        EXPECT_LE(PlainText(line).size(), cols);
      }
    }
  }
}

TEST(TopKeys, EnterOpensHistoryAndQGoesBack) {
  TopModel model("h:1", "");
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 1, kReported), kNow);
  TopViewState view;
  TopAction action = HandleTopKey({TopKey::kEnter}, model, view, 20);
  EXPECT_TRUE(action.fetch_history);
  EXPECT_EQ(action.name, "claims/a");
  EXPECT_EQ(view.mode, TopMode::kHistory);
  EXPECT_TRUE(view.history_loading);
  const std::vector<std::string> lines =
      Texts(RenderTopScreen(model, view, {.rows = 8, .cols = 60, .now = kNow}));
  EXPECT_THAT(lines[0], StartsWith("history of claims/a"));
  EXPECT_EQ(lines[1], "loading...");
  action = HandleTopKey({TopKey::kChar, 'q'}, model, view, 20);
  EXPECT_FALSE(action.quit);
  EXPECT_EQ(view.mode, TopMode::kTable);
  EXPECT_TRUE(HandleTopKey({TopKey::kChar, 'q'}, model, view, 20).quit);
}

TEST(TopKeys, SlashEditsTheFilterAndEnterRestartsTheWatch) {
  TopModel model("h:1", "old");
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 1, kReported), kNow);
  TopViewState view;
  HandleTopKey({TopKey::kChar, '/'}, model, view, 20);
  EXPECT_EQ(view.mode, TopMode::kEditFilter);
  EXPECT_EQ(view.filter_draft, "old");
  for (int i = 0; i < 3; ++i)
    HandleTopKey({TopKey::kBackspace}, model, view, 20);
  for (char c : std::string("status = DENIED")) {
    HandleTopKey({TopKey::kChar, c}, model, view, 20);
  }
  EXPECT_THAT(PlainText(RenderTopScreen(model, view,
                                        {.rows = 6, .cols = 60, .now = kNow})
                            .back()),
              StartsWith("filter: status = DENIED"));
  const TopAction action = HandleTopKey({TopKey::kEnter}, model, view, 20);
  EXPECT_TRUE(action.restart_watch);
  EXPECT_EQ(model.filter(), "status = DENIED");
  EXPECT_EQ(model.size(), 0u);
  // Esc cancels an edit.
  HandleTopKey({TopKey::kChar, '/'}, model, view, 20);
  HandleTopKey({TopKey::kChar, 'x'}, model, view, 20);
  EXPECT_FALSE(HandleTopKey({TopKey::kEscape}, model, view, 20).restart_watch);
  EXPECT_EQ(model.filter(), "status = DENIED");
}

TEST(TopKeys, SortAndMovement) {
  TopModel model("h:1", "");
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "a", 1, kReported), kNow);
  model.ApplyEvent(Event(v1::EVENT_TYPE_CREATED, "b", 2, kReported), kNow);
  TopViewState view;
  HandleTopKey({TopKey::kChar, 'j'}, model, view, 20);
  EXPECT_EQ(model.SelectedName(), "claims/a");
  HandleTopKey({TopKey::kUp}, model, view, 20);
  EXPECT_EQ(model.SelectedName(), "claims/b");
  HandleTopKey({TopKey::kChar, 's'}, model, view, 20);
  EXPECT_EQ(model.sort(), TopSort::kId);
  EXPECT_THAT(Ids(model), Not(ElementsAre("b", "a")));
}

}  // namespace
}  // namespace claimd::client
