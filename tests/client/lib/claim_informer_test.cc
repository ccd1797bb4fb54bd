// ClaimInformer against scripted watch streams: the cache after a snapshot and
// live changes, the handlers, "synced at revision N", and a re-snapshot after
// the store was restored.
#include "claimd/client/claim_informer.h"

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/client/scripted_watch_stream.h"
#include "tests/testing/status_matchers.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::StatusIs;
using ::testing::ElementsAre;

v1::ClaimEvent Event(
    int64_t revision, v1::EventType type, const std::string& id,
    int64_t claim_revision,
    v1::VerificationStatus status = v1::VERIFICATION_STATUS_REPORTED) {
  v1::ClaimEvent event;
  event.set_revision(revision);
  event.set_type(type);
  event.mutable_claim()->set_name("claims/" + id);
  event.mutable_claim()->set_revision(claim_revision);
  event.mutable_claim()->set_status(status);
  return event;
}

v1::WatchClaimsResponse Response(int64_t revision,
                                 std::vector<v1::ClaimEvent> events,
                                 bool snapshot_complete = false,
                                 std::string store_id = "") {
  v1::WatchClaimsResponse response;
  response.set_revision(revision);
  for (auto& event : events) *response.add_events() = std::move(event);
  response.set_snapshot_complete(snapshot_complete);
  response.set_store_id(std::move(store_id));
  return response;
}

class ClaimInformerTest : public ::testing::Test {
 protected:
  absl::Status Run(std::deque<WatchScript> scripts) {
    scripts_ = std::move(scripts);
    ClaimInformerOptions options{.filter = "labels.desk = world"};
    options.watch.backoff = {absl::ZeroDuration(), absl::ZeroDuration(), 2.0,
                             0};
    informer_ = std::make_unique<ClaimInformer>(
        [this](const v1::WatchClaimsRequest& request) {
          requests_.push_back(request);
          WatchScript script{{}, absl::InternalError("no more scripts")};
          if (!scripts_.empty()) {
            script = std::move(scripts_.front());
            scripts_.pop_front();
          }
          return std::make_unique<ScriptedWatchStream>(std::move(script));
        },
        options,
        ClaimInformer::Handlers{
            .on_add = [this](const v1::Claim& c) { Log("add ", c); },
            .on_update =
                [this](const v1::Claim& before, const v1::Claim& after) {
                  Log(absl::StrCat("update @", before.revision(), " -> "),
                      after);
                },
            .on_delete = [this](const v1::Claim& c) { Log("delete ", c); },
            .on_synced =
                [this](int64_t revision) {
                  log_.push_back(absl::StrCat("synced ", revision));
                  // Handlers may read the cache.
                  cached_.push_back(informer_->List().size());
                },
            .on_resync =
                [this](const absl::Status& cause) {
                  log_.push_back(absl::StrCat(
                      "resync ", absl::StatusCodeToString(cause.code())));
                }});
    return informer_->Run();
  }

  void Log(absl::string_view what, const v1::Claim& claim) {
    log_.push_back(absl::StrCat(what, claim.name(), "@", claim.revision()));
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const v1::Claim& claim : informer_->List()) {
      names.push_back(absl::StrCat(claim.name(), "@", claim.revision()));
    }
    return names;
  }

  std::deque<WatchScript> scripts_;
  std::unique_ptr<ClaimInformer> informer_;
  std::vector<v1::WatchClaimsRequest> requests_;
  std::vector<std::string> log_;
  std::vector<size_t> cached_;
};

const absl::Status kEnd = absl::PermissionDeniedError("end of test");

TEST_F(ClaimInformerTest, SnapshotThenChangesKeepTheCacheCurrent) {
  EXPECT_THAT(Run({{{Response(5,
                              {Event(5, v1::EVENT_TYPE_SNAPSHOT, "a", 2),
                               Event(5, v1::EVENT_TYPE_SNAPSHOT, "b", 5)},
                              true, "s1"),
                     Response(6, {Event(6, v1::EVENT_TYPE_CREATED, "c", 6)}),
                     Response(8, {Event(7, v1::EVENT_TYPE_STATUS_CHANGED, "a",
                                        7, v1::VERIFICATION_STATUS_DENIED),
                                  Event(8, v1::EVENT_TYPE_DELETED, "b", 5)})},
                    kEnd}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_TRUE(requests_[0].initial_snapshot());
  EXPECT_EQ(requests_[0].filter(), "labels.desk = world");
  EXPECT_THAT(
      log_, ElementsAre("add claims/a@2", "add claims/b@5", "synced 5",
                        "add claims/c@6", "synced 6", "update @2 -> claims/a@7",
                        "delete claims/b@5", "synced 8"));
  EXPECT_THAT(cached_, ElementsAre(2u, 3u, 2u));
  EXPECT_THAT(Names(), ElementsAre("claims/a@7", "claims/c@6"));
  EXPECT_EQ(informer_->Get("claims/a")->status(),
            v1::VERIFICATION_STATUS_DENIED);
  EXPECT_FALSE(informer_->Get("claims/b").has_value());
  EXPECT_TRUE(informer_->HasSynced());
  EXPECT_EQ(informer_->synced_revision(), 8);
  EXPECT_EQ(informer_->store_id(), "s1");
}

// The server lists the changes after which a claim no longer matches the
// filter: that claim leaves the cache with its new state, once; a later
// change that brings it back adds it again.
TEST_F(ClaimInformerTest, AClaimThatLeavesTheFilterLeavesTheCache) {
  v1::WatchClaimsResponse left =
      Response(7, {Event(6, v1::EVENT_TYPE_STATUS_CHANGED, "a", 6,
                         v1::VERIFICATION_STATUS_DENIED),
                   Event(7, v1::EVENT_TYPE_STATUS_CHANGED, "b", 7)});
  left.add_left_filter_revisions(6);
  EXPECT_THAT(
      Run({{{Response(5,
                      {Event(5, v1::EVENT_TYPE_SNAPSHOT, "a", 2),
                       Event(5, v1::EVENT_TYPE_SNAPSHOT, "b", 5)},
                      true),
             left,
             Response(9, {Event(9, v1::EVENT_TYPE_STATUS_CHANGED, "a", 9)})},
            kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(log_, ElementsAre("add claims/a@2", "add claims/b@5", "synced 5",
                                "delete claims/a@6", "update @5 -> claims/b@7",
                                "synced 7", "add claims/a@9", "synced 9"));
  EXPECT_THAT(Names(), ElementsAre("claims/a@9", "claims/b@7"));
}

TEST_F(ClaimInformerTest, NothingIsCachedBeforeTheSnapshotCompletes) {
  EXPECT_THAT(
      Run({{{Response(5, {Event(5, v1::EVENT_TYPE_SNAPSHOT, "a", 2)})}, kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_FALSE(informer_->HasSynced());
  EXPECT_EQ(informer_->synced_revision(), 0);
  EXPECT_THAT(Names(), ::testing::IsEmpty());
  EXPECT_THAT(log_, ::testing::IsEmpty());
}

TEST_F(ClaimInformerTest, ARestoredStoreIsSnapshottedAgainAsADifference) {
  EXPECT_THAT(
      Run({{{Response(9,
                      {Event(9, v1::EVENT_TYPE_SNAPSHOT, "a", 4),
                       Event(9, v1::EVENT_TYPE_SNAPSHOT, "b", 9)},
                      true, "s1")},
            absl::UnavailableError("claimd restarted")},
           {{}, absl::FailedPreconditionError("store_id s1 is not s2")},
           // The backup: a at an older revision, b never existed, c did.
           {{Response(3,
                      {Event(3, v1::EVENT_TYPE_SNAPSHOT, "a", 2),
                       Event(3, v1::EVENT_TYPE_SNAPSHOT, "c", 3)},
                      true, "s2")},
            kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_EQ(requests_.size(), 3u);
  EXPECT_EQ(requests_[1].start_revision(), 10);
  EXPECT_EQ(requests_[1].store_id(), "s1");
  EXPECT_TRUE(requests_[2].initial_snapshot());
  EXPECT_THAT(
      log_, ElementsAre("add claims/a@4", "add claims/b@9", "synced 9",
                        "resync FAILED_PRECONDITION", "update @4 -> claims/a@2",
                        "add claims/c@3", "delete claims/b@9", "synced 3"));
  EXPECT_THAT(Names(), ElementsAre("claims/a@2", "claims/c@3"));
  EXPECT_EQ(informer_->synced_revision(), 3);
  EXPECT_EQ(informer_->store_id(), "s2");
}

TEST_F(ClaimInformerTest, TrimmedHistoryIsSnapshottedAgain) {
  EXPECT_THAT(
      Run({{{Response(9, {Event(9, v1::EVENT_TYPE_SNAPSHOT, "a", 4)}, true)},
            absl::UnavailableError("gone")},
           {{}, absl::OutOfRangeError("revision 10 was compacted")},
           {{Response(50, {Event(50, v1::EVENT_TYPE_SNAPSHOT, "a", 40)}, true)},
            kEnd}}),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(log_,
              ElementsAre("add claims/a@4", "synced 9", "resync OUT_OF_RANGE",
                          "update @4 -> claims/a@40", "synced 50"));
}

TEST_F(ClaimInformerTest, StopFromAnotherThreadEndsRun) {
  ClaimInformer informer(
      [](const v1::WatchClaimsRequest&) {
        return std::make_unique<ScriptedWatchStream>(
            WatchScript{{}, absl::UnavailableError("not up yet")});
      },
      ClaimInformerOptions{.watch = {.backoff = {absl::Milliseconds(1),
                                                 absl::Milliseconds(1), 1, 0}}},
      {});
  std::thread stopper([&informer] { informer.Stop(); });
  EXPECT_THAT(informer.Run(), claimd::testing::IsOk());
  stopper.join();
  EXPECT_FALSE(informer.WaitForSync(absl::ZeroDuration()));
}

}  // namespace
}  // namespace claimd::client
