// The checker itself: a clean history passes, and each property, broken by
// hand, is reported. This is what shows every check of the suite can fail.
#include "tests/reliability/checker.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace claimd::reliability {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int kUnavailable = 14;

EventRecord Event(int64_t revision, std::string claim, std::string tag) {
  return EventRecord{revision, std::move(claim), std::move(tag)};
}

WriteOp Ack(std::string tag, std::string claim, int64_t revision,
            int64_t expected = 0) {
  return WriteOp{std::move(tag), std::move(claim), "",
                 expected,       Outcome::kOk,     revision};
}

// a created at 1, b created at 2, a updated (CAS on 1) at 3.
RecoveredLog CleanLog() {
  return RecoveredLog{
      {Event(1, "a", "t1"), Event(2, "b", "t2"), Event(3, "a", "t3")}, 0, 3};
}

std::vector<WriteOp> CleanWrites() {
  return {Ack("t1", "a", 1), Ack("t2", "b", 2), Ack("t3", "a", 3, 1)};
}

// A watcher of everything that was cut after revision 2 and resumed at 3.
WatchStream CleanWatch() {
  WatchStream stream{"w", "", {}};
  WatchSegment first{1, {}, true, kUnavailable, 3};
  first.responses.push_back({{Event(1, "a", "t1")}, 1});
  first.responses.push_back({{Event(2, "b", "t2")}, 2});
  WatchSegment second{3, {}, false, 0, 0};
  second.responses.push_back({{Event(3, "a", "t3")}, 3});
  second.responses.push_back({{}, 3});  // progress
  stream.segments = {first, second};
  return stream;
}

std::vector<std::string> Violations(const std::vector<WriteOp>& writes,
                                    const std::vector<WatchStream>& watches,
                                    const RecoveredLog& log) {
  return CheckHistory(writes, watches, log).violations;
}

TEST(Checker, CleanHistoryPasses) {
  CheckResult result = CheckHistory(CleanWrites(), {CleanWatch()}, CleanLog());
  EXPECT_TRUE(result.ok()) << result.Summary();
  EXPECT_EQ(result.writes_acknowledged, 3);
  EXPECT_EQ(result.writes_lost, 0);
  EXPECT_EQ(result.events_checked, 6);
}

TEST(Checker, AcknowledgedWriteMissingIsLost) {
  RecoveredLog log = CleanLog();
  log.events.pop_back();
  log.revision = 2;
  CheckResult result = CheckHistory(CleanWrites(), {}, log);
  EXPECT_EQ(result.writes_lost, 1);
  EXPECT_THAT(result.violations,
              ElementsAre(HasSubstr("lost: request t3 acknowledged at "
                                    "revision 3 is not in the log")));
}

TEST(Checker, AcknowledgedWriteReplacedByAnotherIsLost) {
  RecoveredLog log = CleanLog();
  log.events[2].tag = "other";
  EXPECT_THAT(Violations(CleanWrites(), {}, log),
              ElementsAre(HasSubstr("but the log has other there")));
}

TEST(Checker, GapInTheLog) {
  RecoveredLog log = CleanLog();
  log.events.erase(log.events.begin() + 1);
  EXPECT_THAT(Violations({}, {}, log),
              ElementsAre(HasSubstr("log: revision 2 is missing")));
}

TEST(Checker, DefiniteFailureVisible) {
  std::vector<WriteOp> writes = CleanWrites();
  writes[1].outcome = Outcome::kFailed;
  EXPECT_THAT(Violations(writes, {}, CleanLog()),
              ElementsAre(HasSubstr("request t2 failed with a definite error "
                                    "but is visible")));
  // An unknown outcome may or may not have applied: no violation.
  writes[1].outcome = Outcome::kUnknown;
  EXPECT_THAT(Violations(writes, {}, CleanLog()), IsEmpty());
}

TEST(Checker, RetriedRequestTakingEffectTwice) {
  RecoveredLog log = CleanLog();
  log.events.push_back(Event(4, "b", "t2"));
  log.revision = 4;
  EXPECT_THAT(Violations(CleanWrites(), {}, log),
              ElementsAre(HasSubstr("request t2 took effect 2 times")));
}

TEST(Checker, RetryAcknowledgedAtAnotherRevision) {
  std::vector<WriteOp> writes = CleanWrites();
  writes.push_back(Ack("t2", "b", 3));
  EXPECT_THAT(Violations(writes, {}, CleanLog()),
              ElementsAre(HasSubstr("acknowledged at 2 different revisions")));
}

TEST(Checker, TwoCasOnTheSameRevisionBothSucceed) {
  RecoveredLog log = CleanLog();
  log.events.push_back(Event(4, "a", "t4"));
  log.revision = 4;
  std::vector<WriteOp> writes = CleanWrites();
  writes.push_back(Ack("t4", "a", 4, 1));  // also expected revision 1
  EXPECT_THAT(
      Violations(writes, {}, log),
      ElementsAre(HasSubstr("CAS t4 on claim a expected revision 1 but was "
                            "applied after revision 3"),
                  HasSubstr("2 compare-and-set requests on claim a at "
                            "revision 1 all succeeded")));
}

TEST(Checker, WatchDeliversARevisionTwice) {
  WatchStream stream = CleanWatch();
  stream.segments[1].responses[0].events.insert(
      stream.segments[1].responses[0].events.begin(), Event(2, "b", "t2"));
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("revision 2 delivered twice")));
}

TEST(Checker, WatchSplitsARevisionAcrossMessages) {
  // The same revision's event arriving in two messages is a repeat.
  WatchStream stream = CleanWatch();
  stream.segments[0].responses.insert(stream.segments[0].responses.begin() + 1,
                                      {{Event(1, "a", "t1")}, 1});
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("revision 1 delivered twice")));
}

TEST(Checker, WatchOutOfOrder) {
  WatchStream stream = CleanWatch();
  std::swap(stream.segments[0].responses[0].events[0],
            stream.segments[0].responses[1].events[0]);
  std::vector<std::string> violations = Violations({}, {stream}, CleanLog());
  EXPECT_THAT(violations, ::testing::Contains(
                              HasSubstr("revision 1 delivered out of order")));
}

TEST(Checker, WatchDropsAnEvent) {
  WatchStream stream = CleanWatch();
  stream.segments[0].responses[1].events.clear();  // revision 2 dropped
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("revision 2 was never delivered, yet the "
                                    "stream reported revision 2")));
}

TEST(Checker, WatchProgressAheadOfDelivery) {
  WatchStream stream = CleanWatch();
  // A bookmark at 3 before event 3 was sent.
  stream.segments[1].responses.insert(stream.segments[1].responses.begin(),
                                      {{}, 3});
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("revision 3 was never delivered")));
}

TEST(Checker, WatchResponseRevisionGoesBack) {
  WatchStream stream = CleanWatch();
  stream.segments[1].responses[1].revision = 2;
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("response revision went back from 3")));
}

TEST(Checker, WatchDeliversAnEventTheLogDoesNotHave) {
  WatchStream stream = CleanWatch();
  stream.segments[1].responses[1] = {{Event(4, "a", "ghost")}, 4};
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("revision 4 delivered as a/ghost is not "
                                    "in the log")));
}

TEST(Checker, WatchDeliversAnEventOutsideItsFilter) {
  WatchStream stream = CleanWatch();
  stream.claim_prefix = "a";
  stream.segments[0].responses[1].revision = 2;  // keeps b's event
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("claim b does not match the filter")));
}

TEST(Checker, WatchToldToResumePastAnUndeliveredEvent) {
  WatchStream stream = CleanWatch();
  stream.segments[0].resume_revision = 4;  // the server said so, wrongly
  stream.segments[1].start_revision = 4;
  stream.segments[1].responses = {{{}, 4}};
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("revision 3 was never delivered, yet the "
                                    "stream reported revision 3")));
}

TEST(Checker, WatchToldToResumeBeforeWhatItReported) {
  WatchStream stream = CleanWatch();
  stream.segments[0].resume_revision = 2;
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("was told to resume at 2 but had reported "
                                    "revision 2")));
}

TEST(Checker, WatchResumedPastWhatItGot) {
  WatchStream stream = CleanWatch();
  stream.segments[0].resume_revision = 0;
  stream.segments[1].start_revision = 4;
  stream.segments[1].responses = {{{}, 4}};
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("call 1 resumed at 4 but revision 2"),
                          HasSubstr("revision 3 was never delivered")));
}

TEST(Checker, WatchEndingWithOkIsASilentDrop) {
  WatchStream stream = CleanWatch();
  stream.segments[0].code = 0;
  stream.segments[0].resume_revision = 0;
  EXPECT_THAT(Violations({}, {stream}, CleanLog()),
              ElementsAre(HasSubstr("call 0 ended with OK")));
}

TEST(Checker, TrimmedHistoryIsNotReportedMissing) {
  RecoveredLog log = CleanLog();
  log.events.erase(log.events.begin());
  log.compact_revision = 1;
  EXPECT_THAT(Violations(CleanWrites(), {}, log), IsEmpty());
}

}  // namespace
}  // namespace claimd::reliability
