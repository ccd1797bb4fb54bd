#include "claimd/client/watch_follower.h"

#include <atomic>
#include <deque>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/client/scripted_watch_stream.h"
#include "tests/testing/status_matchers.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Script = WatchScript;
using FakeStream = ScriptedWatchStream;

v1::ClaimEvent Event(int64_t revision,
                     v1::EventType type = v1::EVENT_TYPE_CREATED,
                     std::string name = "claims/a",
                     int64_t claim_revision = 0) {
  v1::ClaimEvent event;
  event.set_revision(revision);
  event.set_type(type);
  event.mutable_claim()->set_name(std::move(name));
  event.mutable_claim()->set_revision(claim_revision ? claim_revision
                                                     : revision);
  return event;
}

v1::WatchClaimsResponse Response(int64_t revision,
                                 std::vector<v1::ClaimEvent> events,
                                 bool snapshot_complete = false) {
  v1::WatchClaimsResponse response;
  response.set_revision(revision);
  for (auto& event : events) *response.add_events() = std::move(event);
  response.set_snapshot_complete(snapshot_complete);
  return response;
}

class WatchFollowerTest : public ::testing::Test {
 protected:
  // Each connection takes the next script; the last one should end the run.
  absl::Status Run(const v1::WatchClaimsRequest& request,
                   std::deque<Script> scripts, int max_initial_attempts = 3) {
    scripts_ = std::move(scripts);
    WatchFollowerOptions options;
    options.backoff = {absl::ZeroDuration(), absl::ZeroDuration(), 2.0, 0};
    options.max_initial_attempts = max_initial_attempts;
    follower_ = std::make_unique<WatchFollower>(
        [this](const v1::WatchClaimsRequest& next) {
          requests_.push_back(next);
          if (scripts_.empty()) {
            return std::make_unique<FakeStream>(
                Script{{}, absl::InternalError("no more scripts")});
          }
          Script script = std::move(scripts_.front());
          scripts_.pop_front();
          return std::make_unique<FakeStream>(std::move(script));
        },
        options);
    WatchFollower::Callbacks callbacks;
    callbacks.on_event = [this](const v1::ClaimEvent& event) {
      delivered_.push_back(absl::StrCat(event.revision(), " ",
                                        event.claim().name(), "@",
                                        event.claim().revision()));
    };
    callbacks.on_reconnect = [this](const absl::Status& cause, int64_t from,
                                    absl::Duration, bool) {
      reconnects_.push_back(
          absl::StrCat(absl::StatusCodeToString(cause.code()), " from ", from));
    };
    callbacks.on_snapshot_complete = [this](int64_t revision) {
      snapshots_.push_back(revision);
    };
    callbacks.on_reset = [this](const absl::Status& cause) {
      resets_.push_back(absl::StatusCodeToString(cause.code()));
    };
    if (take_left_filter_) {
      callbacks.on_left_filter = [this](const v1::ClaimEvent& event) {
        delivered_.push_back(
            absl::StrCat("left ", event.revision(), " ", event.claim().name()));
      };
    }
    return follower_->Run(request, callbacks);
  }

  // A follower whose connections take scripts_ in turn (Run's own opener
  // also records the requests).
  std::unique_ptr<WatchFollower> ScriptedFollower(
      const WatchFollowerOptions& options) {
    return std::make_unique<WatchFollower>(
        [this](const v1::WatchClaimsRequest&) {
          Script script = std::move(scripts_.front());
          scripts_.pop_front();
          return std::make_unique<FakeStream>(std::move(script));
        },
        options);
  }

  bool take_left_filter_ = false;  // sets on_left_filter

  std::deque<Script> scripts_;
  std::unique_ptr<WatchFollower> follower_;
  std::vector<v1::WatchClaimsRequest> requests_;
  std::vector<std::string> delivered_;
  std::vector<std::string> reconnects_;
  std::vector<int64_t> snapshots_;
  std::vector<std::string> resets_;
};

const absl::Status kDropped = absl::UnavailableError("connection reset");
const absl::Status kEnd = absl::PermissionDeniedError("end of test");

TEST_F(WatchFollowerTest, ResumesAfterADropFromLastRevisionPlusOne) {
  v1::WatchClaimsRequest request;
  request.set_filter("status = DENIED");
  EXPECT_THAT(
      Run(request,
          {{{Response(3, {}), Response(5, {Event(4), Event(5)})}, kDropped},
           {{Response(7, {Event(6), Event(7)})}, kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_[0].start_revision(), 0);
  EXPECT_EQ(requests_[1].start_revision(), 6);
  EXPECT_EQ(requests_[1].filter(), "status = DENIED");
  EXPECT_THAT(delivered_, ElementsAre("4 claims/a@4", "5 claims/a@5",
                                      "6 claims/a@6", "7 claims/a@7"));
  EXPECT_THAT(reconnects_, ElementsAre("UNAVAILABLE from 6"));
}

v1::WatchClaimsResponse WithLeftFilter(v1::WatchClaimsResponse response,
                                       const std::vector<int64_t>& left) {
  for (const int64_t revision : left)
    response.add_left_filter_revisions(revision);
  return response;
}

TEST_F(WatchFollowerTest, ChangesThatLeftTheFilterGoToTheirOwnCallback) {
  take_left_filter_ = true;
  // The second connection repeats revision 5 (it left the filter): it is not
  // delivered twice, by either callback.
  EXPECT_THAT(
      Run({},
          {{{WithLeftFilter(Response(5, {Event(3),
                                         Event(4, v1::EVENT_TYPE_STATUS_CHANGED,
                                               "claims/b"),
                                         Event(5)}),
                            {4, 5})},
            kDropped},
           {{WithLeftFilter(Response(7, {Event(5), Event(7)}), {5, 7})},
            kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(delivered_, ElementsAre("3 claims/a@3", "left 4 claims/b",
                                      "left 5 claims/a", "left 7 claims/a"));
}

TEST_F(WatchFollowerTest, WithoutTheLeftFilterCallbackEveryChangeIsAnEvent) {
  EXPECT_THAT(
      Run({},
          {{{WithLeftFilter(Response(5, {Event(4), Event(5)}), {5})}, kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(delivered_, ElementsAre("4 claims/a@4", "5 claims/a@5"));
}

TEST_F(WatchFollowerTest, NeverDeliversAnEventTwice) {
  // A server that replays from an older revision than asked must not cause
  // repeats.
  EXPECT_THAT(Run({}, {{{Response(5, {Event(4), Event(5)})}, kDropped},
                       {{Response(6, {Event(5), Event(6)})}, kEnd}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(delivered_,
              ElementsAre("4 claims/a@4", "5 claims/a@5", "6 claims/a@6"));
}

TEST_F(WatchFollowerTest, ProgressResponsesAdvanceTheResumeRevision) {
  EXPECT_THAT(Run({}, {{{Response(5, {Event(5)}), Response(9, {})}, kDropped},
                       {{}, kEnd}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_[1].start_revision(), 10);
}

TEST_F(WatchFollowerTest, ReconnectsAfterACleanEndToo) {
  EXPECT_THAT(
      Run({}, {{{Response(5, {Event(5)})}, absl::OkStatus()}, {{}, kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_[1].start_revision(), 6);
}

TEST_F(WatchFollowerTest, StartsFromTheRequestedRevisionUntilAResponse) {
  v1::WatchClaimsRequest request;
  request.set_start_revision(4);
  EXPECT_THAT(
      Run(request,
          {{{}, kDropped}, {{Response(4, {Event(4)})}, kDropped}, {{}, kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 3u);
  EXPECT_EQ(requests_[0].start_revision(), 4);
  EXPECT_EQ(requests_[1].start_revision(), 4);
  EXPECT_EQ(requests_[2].start_revision(), 5);
}

TEST_F(WatchFollowerTest, AsksForTheSnapshotOnlyOnTheFirstConnection) {
  v1::WatchClaimsRequest request;
  request.set_initial_snapshot(true);
  request.set_filter("labels.desk = world");
  EXPECT_THAT(
      Run(request,
          {{{Response(10,
                      {Event(10, v1::EVENT_TYPE_SNAPSHOT, "claims/a", 3),
                       Event(10, v1::EVENT_TYPE_SNAPSHOT, "claims/b", 8)},
                      /*snapshot_complete=*/true),
             Response(11, {Event(11, v1::EVENT_TYPE_STATUS_CHANGED)})},
            kDropped},
           {{Response(12, {Event(12)})}, kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_TRUE(requests_[0].initial_snapshot());
  EXPECT_FALSE(requests_[1].initial_snapshot());
  EXPECT_EQ(requests_[1].start_revision(), 12);
  EXPECT_EQ(requests_[1].filter(), "labels.desk = world");
  EXPECT_THAT(snapshots_, ElementsAre(10));
  EXPECT_THAT(delivered_, ElementsAre("10 claims/a@3", "10 claims/b@8",
                                      "11 claims/a@11", "12 claims/a@12"));
}

TEST_F(WatchFollowerTest, RedoesAnInterruptedSnapshotWithoutRepeats) {
  v1::WatchClaimsRequest request;
  request.set_initial_snapshot(true);
  EXPECT_THAT(
      Run(request,
          {{{Response(10, {Event(10, v1::EVENT_TYPE_SNAPSHOT, "claims/a", 3)})},
            kDropped},
           // claims/a unchanged (skipped), claims/b new, then complete.
           {{Response(11,
                      {Event(11, v1::EVENT_TYPE_SNAPSHOT, "claims/a", 3),
                       Event(11, v1::EVENT_TYPE_SNAPSHOT, "claims/b", 11)},
                      true)},
            kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_TRUE(requests_[1].initial_snapshot());
  EXPECT_THAT(delivered_, ElementsAre("10 claims/a@3", "11 claims/b@11"));
  EXPECT_THAT(reconnects_, ElementsAre("UNAVAILABLE from 0"));
}

TEST_F(WatchFollowerTest, OutOfRangeEndsTheWatchNamingTheRevision) {
  v1::WatchClaimsRequest request;
  request.set_start_revision(2);
  EXPECT_THAT(
      Run(request, {{{}, absl::OutOfRangeError("revision 2 was compacted")}}),
      StatusIs(absl::StatusCode::kOutOfRange,
               HasSubstr("revision 2 is older than the history the server "
                         "keeps: revision 2 was compacted")));
  EXPECT_EQ(requests_.size(), 1u);
}

TEST_F(WatchFollowerTest, GivesUpWhenTheServerWasNeverReached) {
  EXPECT_THAT(Run({}, {{{}, kDropped}, {{}, kDropped}, {{}, kDropped}}),
              StatusIs(absl::StatusCode::kUnavailable, "connection reset"));
  EXPECT_EQ(requests_.size(), 3u);
  EXPECT_EQ(reconnects_.size(), 2u);
}

TEST_F(WatchFollowerTest, KeepsReconnectingOnceConnected) {
  EXPECT_THAT(Run({}, {{{Response(1, {})}, kDropped},
                       {{}, kDropped},
                       {{}, kDropped},
                       {{}, kDropped},
                       {{}, kDropped},
                       {{}, kEnd}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(requests_.size(), 6u);
}

TEST_F(WatchFollowerTest, KeepsTryingForAServerThatIsNotUpYet) {
  std::deque<Script> scripts(8, Script{{}, kDropped});
  scripts.push_back({{Response(1, {Event(1)})}, kEnd});
  EXPECT_THAT(Run({}, scripts, /*max_initial_attempts=*/0),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(requests_.size(), 9u);
  EXPECT_THAT(delivered_, ElementsAre("1 claims/a@1"));
}

v1::WatchClaimsResponse FromStore(v1::WatchClaimsResponse response,
                                  const std::string& store_id) {
  response.set_store_id(store_id);
  return response;
}

TEST_F(WatchFollowerTest, ResumesNamingTheStoreOfTheLastRevision) {
  EXPECT_THAT(Run({}, {{{FromStore(Response(4, {Event(4)}), "store-1"),
                         Response(5, {Event(5)})},
                        kDropped},
                       {{}, kEnd}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_[0].store_id(), "");
  EXPECT_EQ(requests_[1].start_revision(), 6);
  EXPECT_EQ(requests_[1].store_id(), "store-1");
}

TEST_F(WatchFollowerTest, ARestoredStoreIsReportedAndSnapshottedAgain) {
  const absl::Status restored =
      absl::FailedPreconditionError("store_id store-1 is not this store's");
  EXPECT_THAT(
      Run({},
          {{{FromStore(Response(9, {Event(9)}), "store-1")}, kDropped},
           {{}, restored},
           // The restored store is at revision 3: its events are new.
           {{FromStore(
                 Response(3, {Event(3, v1::EVENT_TYPE_SNAPSHOT, "claims/a", 2)},
                          true),
                 "store-2"),
             Response(4, {Event(4)})},
            kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 3u);
  EXPECT_EQ(requests_[1].store_id(), "store-1");
  EXPECT_EQ(requests_[1].start_revision(), 10);
  EXPECT_TRUE(requests_[2].initial_snapshot());
  EXPECT_EQ(requests_[2].store_id(), "");
  EXPECT_THAT(resets_, ElementsAre("FAILED_PRECONDITION"));
  EXPECT_THAT(snapshots_, ElementsAre(3));
  EXPECT_THAT(delivered_,
              ElementsAre("9 claims/a@9", "3 claims/a@2", "4 claims/a@4"));
}

TEST_F(WatchFollowerTest, FailedPreconditionOnTheCallersOwnRequestEndsRun) {
  v1::WatchClaimsRequest request;
  request.set_start_revision(100);
  EXPECT_THAT(Run(request, {{{}, absl::FailedPreconditionError("beyond")}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(resets_, ::testing::IsEmpty());
}

TEST_F(WatchFollowerTest, StopEndsTheRunWithOk) {
  scripts_ = {{{Response(1, {Event(1)}), Response(2, {Event(2)})}, kDropped}};
  follower_ = std::make_unique<WatchFollower>(
      [this](const v1::WatchClaimsRequest&) {
        Script script = std::move(scripts_.front());
        scripts_.pop_front();
        return std::make_unique<FakeStream>(std::move(script));
      },
      WatchFollowerOptions{});
  WatchFollower::Callbacks callbacks;
  callbacks.on_event = [this](const v1::ClaimEvent& event) {
    delivered_.push_back(absl::StrCat(event.revision()));
    follower_->Stop();  // as the signal thread would
  };
  EXPECT_THAT(follower_->Run({}, callbacks), IsOk());
  EXPECT_THAT(delivered_, ElementsAre("1"));
}

// A claimd replica cut off from its store ends its watches UNAVAILABLE (it
// answered), and ends new ones at once while etcd is down: however long that
// lasts, the next attempt is never more than answered_unavailable_max_delay
// away (2 s by default), so the watch resumes soon after the store is back. A
// server that could not be reached at all still backs off in full.
TEST_F(WatchFollowerTest, AServerThatAnsweredUnavailableIsTriedAgainSoon) {
  const absl::Status go_elsewhere = absl::UnavailableError(
      "this replica has not reached its store for 5s (no etcd quorum); resume "
      "with start_revision=2, on another replica");
  const absl::Status unreachable = absl::UnavailableError(
      "failed to connect to all addresses; last error: connection refused");
  scripts_ = {{{Response(1, {Event(1)})}, go_elsewhere}};
  for (int i = 0; i < 6; ++i) scripts_.push_back({{}, go_elsewhere});
  scripts_.push_back({{}, unreachable});
  scripts_.push_back({{}, kEnd});
  WatchFollowerOptions options;
  options.backoff = {absl::Seconds(1), absl::Hours(1), 2.0, 0};
  options.answered_unavailable_max_delay = absl::Milliseconds(10);
  follower_ = ScriptedFollower(options);
  std::vector<absl::Duration> delays;
  WatchFollower::Callbacks callbacks;
  callbacks.on_reconnect = [&](const absl::Status&, int64_t,
                               absl::Duration delay, bool) {
    delays.push_back(delay);
    if (delay > absl::Seconds(1)) follower_->Stop();  // ends the long wait
  };
  EXPECT_THAT(follower_->Run({}, callbacks), IsOk());
  ASSERT_EQ(delays.size(), 8u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_LE(delays[i], absl::Milliseconds(10)) << "attempt " << i;
  }
  // The unreachable one: the streak of empty attempts has grown its backoff.
  EXPECT_GE(delays[7], absl::Seconds(32));
}

// Found by an outside check: after a 10 s outage `claimctl watch` resumed
// 14-31 s after its server was back, retrying meanwhile into a channel still
// failing with the old error: the backoff had grown while nothing answered.
// With server_ready (claimctl: the channel is READY again) the wait ends as
// soon as a server is back.
TEST_F(WatchFollowerTest, AWaitForAnUnreachableServerEndsWhenItIsBack) {
  scripts_ = {{{Response(1, {Event(1)})},
               absl::UnavailableError("failed to connect to all addresses")},
              {{Response(2, {Event(2)})}, kEnd}};
  WatchFollowerOptions options;
  options.backoff = {absl::Hours(1), absl::Hours(1), 2.0, 0};
  std::atomic<int> looks{0};
  options.server_ready = [&looks] { return ++looks >= 3; };
  follower_ = ScriptedFollower(options);
  std::vector<int64_t> seen;
  absl::Duration announced;
  WatchFollower::Callbacks callbacks;
  callbacks.on_event = [&](const v1::ClaimEvent& event) {
    seen.push_back(event.revision());
  };
  callbacks.on_reconnect = [&](const absl::Status&, int64_t,
                               absl::Duration delay,
                               bool) { announced = delay; };
  absl::Notification done;
  absl::Status status;
  std::thread run([&] {
    status = follower_->Run({}, callbacks);
    done.Notify();
  });
  // Without server_ready the follower sleeps its hour: stop it, and fail.
  const bool resumed = done.WaitForNotificationWithTimeout(absl::Seconds(60));
  if (!resumed) follower_->Stop();
  run.join();
  EXPECT_TRUE(resumed);
  EXPECT_GE(announced, absl::Hours(1));
  EXPECT_EQ(looks.load(), 3);
  EXPECT_EQ(status, kEnd);
  EXPECT_THAT(seen, ElementsAre(1, 2));
}

// An answer from a server (here: shutting down) is not "unreachable": the
// channel is up, so its readiness says nothing, and the wait is not cut short.
TEST_F(WatchFollowerTest, ServerReadyIsNotAskedAfterAnAnswer) {
  scripts_ = {{{Response(1, {Event(1)})}, kDropped}, {{}, kEnd}};
  WatchFollowerOptions options;
  options.backoff = {absl::Milliseconds(50), absl::Milliseconds(50), 2.0, 0};
  std::atomic<int> looks{0};
  options.server_ready = [&looks] {
    ++looks;
    return true;
  };
  follower_ = ScriptedFollower(options);
  EXPECT_EQ(follower_->Run({}, {}), kEnd);
  EXPECT_EQ(looks.load(), 0);
}

TEST_F(WatchFollowerTest, StopInterruptsTheBackoffWait) {
  // Ended by a server that then could not be reached: the full backoff.
  scripts_ = {{{Response(1, {Event(1)})},
               absl::UnavailableError("failed to connect to all addresses")}};
  WatchFollowerOptions options;
  options.backoff = {absl::Hours(1), absl::Hours(1), 2.0, 0};
  follower_ = ScriptedFollower(options);
  WatchFollower::Callbacks callbacks;
  callbacks.on_reconnect = [this](const absl::Status&, int64_t,
                                  absl::Duration delay, bool was_connected) {
    EXPECT_TRUE(was_connected);
    EXPECT_GE(delay, absl::Hours(1));
    follower_->Stop();
  };
  EXPECT_THAT(follower_->Run({}, callbacks), IsOk());
}

}  // namespace
}  // namespace claimd::client
