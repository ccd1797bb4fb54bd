// The ClaimStore conformance suite (see claim_store_conformance.h).
#include "tests/store/claim_store_conformance.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "service/core/filter/filter.h"
#include "service/core/mutation.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {

using core::EventType;
using core::VerificationStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void ClaimStoreConformanceTest::SetUp() {
  ASSERT_OK_AND_ASSIGN(
      store_, GetParam().open(dir_.path(), &observer_, SteppingClock()));
}

void ClaimStoreConformanceTest::Reopen() {
  store_.reset();
  ASSERT_OK_AND_ASSIGN(
      store_, GetParam().open(dir_.path(), &observer_, SteppingClock()));
}

namespace {

// Submits every mutation without waiting, then waits (bounded) for all the
// results.
std::vector<absl::StatusOr<core::MutationResult>> SubmitAll(
    core::ClaimStore& store, std::vector<core::Mutation> mutations,
    RecordingObserver* observer = nullptr) {
  std::vector<absl::StatusOr<core::MutationResult>> results(mutations.size());
  absl::BlockingCounter pending(static_cast<int>(mutations.size()));
  for (size_t i = 0; i < mutations.size(); ++i) {
    store.Submit(std::move(mutations[i]),
                 [&results, &pending, observer,
                  i](absl::StatusOr<core::MutationResult> r) {
                   if (observer != nullptr && r.ok())
                     observer->RecordDone(r->event->revision);
                   results[i] = std::move(r);
                   pending.DecrementCount();
                 });
  }
  pending.Wait();
  return results;
}

std::vector<int64_t> Revisions(const std::vector<core::ClaimEventPtr>& events) {
  std::vector<int64_t> revisions;
  revisions.reserve(events.size());
  for (const core::ClaimEventPtr& event : events)
    revisions.push_back(event->revision);
  return revisions;
}

std::vector<std::string> Ids(const std::vector<core::Claim>& claims) {
  std::vector<std::string> ids;
  ids.reserve(claims.size());
  for (const core::Claim& claim : claims) ids.push_back(claim.id);
  return ids;
}

// Query builders: g++ 12 warns about designated initializers that skip fields.
core::ListEventsQuery Events(const std::string& claim_id, int64_t from_revision,
                             int limit = 100) {
  core::ListEventsQuery query;
  query.claim_id = claim_id;
  query.from_revision = from_revision;
  query.limit = limit;
  return query;
}

core::ListClaimsQuery Claims(const std::string& after_id, int limit,
                             const core::Filter& filter = core::Filter(),
                             int max_scanned = 10000) {
  core::ListClaimsQuery query;
  query.after_id = after_id;
  query.limit = limit;
  query.filter = filter;
  query.max_scanned = max_scanned;
  return query;
}

TEST_P(ClaimStoreConformanceTest, EmptyStoreStartsAtRevisionZero) {
  EXPECT_EQ(store_->CurrentRevision(), 0);
  EXPECT_EQ(store_->CompactRevision(), 0);
  EXPECT_THAT(observer_.opens(), ElementsAre(0));
  ASSERT_OK_AND_ASSIGN(core::EventPage page, store_->ListEvents({}));
  EXPECT_TRUE(page.events.empty());
  EXPECT_FALSE(page.more);
}

TEST_P(ClaimStoreConformanceTest, CreateThenGetReturnsTheStoredClaim) {
  ASSERT_OK_AND_ASSIGN(
      core::MutationResult result,
      store_->Apply(CreateMutation("c1", {{"desk", "world"}})));
  EXPECT_FALSE(result.replayed);
  EXPECT_EQ(result.event->revision, 1);
  EXPECT_EQ(result.event->type, EventType::kCreated);
  EXPECT_EQ(result.event->claim.status, VerificationStatus::kReported);
  EXPECT_EQ(result.event->claim.create_revision, 1);
  EXPECT_EQ(store_->CurrentRevision(), 1);

  ASSERT_OK_AND_ASSIGN(core::Claim claim, store_->Get("c1"));
  EXPECT_EQ(claim, result.event->claim);  // exact, times included
  EXPECT_EQ(claim.labels.at("desk"), "world");
}

TEST_P(ClaimStoreConformanceTest, GetOfMissingClaimIsNotFound) {
  EXPECT_THAT(store_->Get("nope"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
}

TEST_P(ClaimStoreConformanceTest, CreatingAnExistingClaimIsAlreadyExists) {
  ASSERT_OK(store_->Apply(CreateMutation("c1")));
  EXPECT_THAT(store_->Apply(CreateMutation("c1")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(store_->CurrentRevision(), 1);
}

TEST_P(ClaimStoreConformanceTest, UpdateRecordsStatusAndEvidence) {
  ASSERT_OK(store_->Apply(CreateMutation("c1")));
  ASSERT_OK_AND_ASSIGN(
      core::MutationResult result,
      store_->Apply(UpdateMutation("c1", VerificationStatus::kConfirmed)));
  EXPECT_EQ(result.event->revision, 2);
  EXPECT_EQ(result.event->type, EventType::kStatusChanged);
  EXPECT_EQ(result.event->previous_status, VerificationStatus::kReported);
  ASSERT_OK_AND_ASSIGN(core::Claim claim, store_->Get("c1"));
  EXPECT_EQ(claim, result.event->claim);
  EXPECT_EQ(claim.status, VerificationStatus::kConfirmed);
  ASSERT_EQ(claim.evidence.size(), 1u);
  EXPECT_EQ(claim.evidence[0].revision, 2);
  EXPECT_NE(claim.evidence[0].time, absl::InfinitePast());
  EXPECT_EQ(claim.revision, 2);
  EXPECT_EQ(claim.create_revision, 1);
}

TEST_P(ClaimStoreConformanceTest, UpdateOrDeleteOfMissingClaimIsNotFound) {
  EXPECT_THAT(store_->Apply(UpdateMutation("c1", VerificationStatus::kDenied)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Apply(DeleteMutation("c1")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store_->CurrentRevision(), 0);
}

TEST_P(ClaimStoreConformanceTest, StaleExpectedRevisionIsAborted) {
  ASSERT_OK(store_->Apply(CreateMutation("c1")));
  ASSERT_OK(
      store_->Apply(UpdateMutation("c1", VerificationStatus::kConfirmed)));
  EXPECT_THAT(
      store_->Apply(UpdateMutation("c1", VerificationStatus::kDenied, 1)),
      StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(store_->Apply(DeleteMutation("c1", 1)),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_OK(
      store_->Apply(UpdateMutation("c1", VerificationStatus::kDenied, 2)));
  EXPECT_OK(store_->Apply(DeleteMutation("c1", 3)));
}

TEST_P(ClaimStoreConformanceTest, DeleteRemovesTheClaimButKeepsItsHistory) {
  ASSERT_OK(store_->Apply(CreateMutation("c1")));
  ASSERT_OK(store_->Apply(CreateMutation("c2")));
  ASSERT_OK_AND_ASSIGN(core::MutationResult deleted,
                       store_->Apply(DeleteMutation("c1")));
  EXPECT_EQ(deleted.event->type, EventType::kDeleted);
  EXPECT_EQ(deleted.event->claim.id, "c1");
  EXPECT_THAT(store_->Get("c1"), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(core::ClaimPage page, store_->List({}));
  EXPECT_THAT(Ids(page.claims), ElementsAre("c2"));
  ASSERT_OK_AND_ASSIGN(core::EventPage events,
                       store_->ListEvents(Events("c1", 1)));
  EXPECT_THAT(Revisions(events.events), ElementsAre(1, 3));
  EXPECT_EQ(events.events[1]->type, EventType::kDeleted);

  // The id is free again.
  ASSERT_OK_AND_ASSIGN(core::MutationResult again,
                       store_->Apply(CreateMutation("c1")));
  EXPECT_EQ(again.event->claim.create_revision, 4);
}

TEST_P(ClaimStoreConformanceTest, DeletedEventKeepsWhoDeletedIt) {
  ASSERT_OK(store_->Apply(CreateMutation("c1")));
  core::Mutation del = DeleteMutation("c1");
  std::get<core::DeleteClaim>(del.op).actor = "ops-admin";
  ASSERT_OK_AND_ASSIGN(core::MutationResult deleted, store_->Apply(del));
  EXPECT_EQ(deleted.event->actor, "ops-admin");
  ASSERT_EQ(observer_.events().size(), 2u);
  EXPECT_EQ(observer_.events()[1]->actor, "ops-admin");

  // History keeps it, also after the store is opened again.
  for (int round = 0; round < 2; ++round) {
    ASSERT_OK_AND_ASSIGN(core::EventPage events,
                         store_->ListEvents(Events("c1", 1)));
    ASSERT_THAT(Revisions(events.events), ElementsAre(1, 2)) << round;
    EXPECT_EQ(events.events[1]->actor, "ops-admin") << round;
    if (round == 0) Reopen();
  }
}

TEST_P(ClaimStoreConformanceTest, RevisionsAreDenseAcrossFailedMutations) {
  std::vector<core::Mutation> mutations;
  mutations.push_back(CreateMutation("a"));
  mutations.push_back(CreateMutation("a"));  // ALREADY_EXISTS
  mutations.push_back(
      UpdateMutation("zz", VerificationStatus::kDenied));  // NOT_FOUND
  mutations.push_back(CreateMutation("b"));
  mutations.push_back(
      UpdateMutation("a", VerificationStatus::kConfirmed, 99));  // ABORTED
  mutations.push_back(UpdateMutation("a", VerificationStatus::kConfirmed));
  std::vector<absl::StatusOr<core::MutationResult>> results =
      SubmitAll(*store_, std::move(mutations));
  EXPECT_OK(results[0]);
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(results[3]);
  EXPECT_THAT(results[4], StatusIs(absl::StatusCode::kAborted));
  EXPECT_OK(results[5]);
  EXPECT_EQ(results[0]->event->revision, 1);
  EXPECT_EQ(results[3]->event->revision, 2);
  EXPECT_EQ(results[5]->event->revision, 3);
  ASSERT_OK_AND_ASSIGN(core::EventPage page, store_->ListEvents({}));
  EXPECT_THAT(Revisions(page.events), ElementsAre(1, 2, 3));
  EXPECT_EQ(store_->CurrentRevision(), 3);
}

TEST_P(ClaimStoreConformanceTest, RepeatedRequestIdReplaysTheFirstResult) {
  ASSERT_OK_AND_ASSIGN(core::MutationResult first,
                       store_->Apply(CreateMutation("c1", {}, "req-1")));
  ASSERT_OK(
      store_->Apply(UpdateMutation("c1", VerificationStatus::kConfirmed)));
  ASSERT_OK_AND_ASSIGN(core::MutationResult again,
                       store_->Apply(CreateMutation("c1", {}, "req-1")));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(*again.event, *first.event);
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(observer_.events().size(), 2u);  // the replay committed nothing
}

TEST_P(ClaimStoreConformanceTest,
       RequestIdReusedForADifferentRequestIsInvalidArgument) {
  ASSERT_OK(store_->Apply(CreateMutation("c1", {}, "req-1")));
  EXPECT_THAT(
      store_->Apply(CreateMutation("c2", {}, "req-1")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "request_id req-1 was already used for a different request"));
  EXPECT_EQ(store_->CurrentRevision(), 1);
}

TEST_P(ClaimStoreConformanceTest, RequestIdOfAFailedMutationIsNotRemembered) {
  EXPECT_THAT(store_->Apply(UpdateMutation("c1", VerificationStatus::kDenied, 0,
                                           "req-1")),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_->Apply(CreateMutation("c1")));
  ASSERT_OK_AND_ASSIGN(core::MutationResult retry,
                       store_->Apply(UpdateMutation(
                           "c1", VerificationStatus::kDenied, 0, "req-1")));
  EXPECT_FALSE(retry.replayed);
  EXPECT_EQ(retry.event->revision, 2);
}

TEST_P(ClaimStoreConformanceTest,
       ObserverSeesEveryEventOnceInOrderBeforeItsCallback) {
  std::vector<core::Mutation> mutations;
  mutations.reserve(60);
  for (int i = 0; i < 60; ++i) {
    mutations.push_back(i % 3 == 2
                            ? UpdateMutation(absl::StrCat("c", i - 1),
                                             VerificationStatus::kConfirmed)
                            : CreateMutation(absl::StrCat("c", i)));
  }
  for (const auto& result :
       SubmitAll(*store_, std::move(mutations), &observer_)) {
    ASSERT_OK(result);
  }
  std::vector<int64_t> expected(60);
  for (int i = 0; i < 60; ++i) expected[i] = i + 1;
  EXPECT_EQ(Revisions(observer_.events()), expected);

  std::vector<std::string> log = observer_.log();
  ASSERT_EQ(log.size(), 120u);
  for (int64_t revision = 1; revision <= 60; ++revision) {
    auto commit =
        std::find(log.begin(), log.end(), absl::StrCat("commit:", revision));
    auto done =
        std::find(log.begin(), log.end(), absl::StrCat("done:", revision));
    ASSERT_NE(commit, log.end());
    ASSERT_NE(done, log.end());
    EXPECT_LT(commit - log.begin(), done - log.begin())
        << "revision " << revision;
  }
}

TEST_P(ClaimStoreConformanceTest, ListEventsFiltersByClaimAndPages) {
  ASSERT_OK(store_->Apply(CreateMutation("a")));  // 1
  ASSERT_OK(store_->Apply(CreateMutation("b")));  // 2
  ASSERT_OK(
      store_->Apply(UpdateMutation("a", VerificationStatus::kConfirmed)));  // 3
  ASSERT_OK(
      store_->Apply(UpdateMutation("b", VerificationStatus::kDenied)));  // 4
  ASSERT_OK(
      store_->Apply(UpdateMutation("a", VerificationStatus::kDenied)));  // 5

  ASSERT_OK_AND_ASSIGN(core::EventPage first,
                       store_->ListEvents(Events("", 1, 2)));
  EXPECT_THAT(Revisions(first.events), ElementsAre(1, 2));
  EXPECT_TRUE(first.more);
  EXPECT_EQ(first.next_revision, 3);
  EXPECT_EQ(first.revision, 5);
  ASSERT_OK_AND_ASSIGN(core::EventPage rest,
                       store_->ListEvents(Events("", first.next_revision, 3)));
  EXPECT_THAT(Revisions(rest.events), ElementsAre(3, 4, 5));
  EXPECT_FALSE(rest.more);
  EXPECT_EQ(rest.next_revision, 6);

  ASSERT_OK_AND_ASSIGN(core::EventPage of_a,
                       store_->ListEvents(Events("a", 2, 1)));
  EXPECT_THAT(Revisions(of_a.events), ElementsAre(3));
  EXPECT_TRUE(of_a.more);
  EXPECT_EQ(of_a.next_revision, 4);
  ASSERT_OK_AND_ASSIGN(core::EventPage rest_of_a,
                       store_->ListEvents(Events("a", 4)));
  EXPECT_THAT(Revisions(rest_of_a.events), ElementsAre(5));
  EXPECT_FALSE(rest_of_a.more);
  EXPECT_EQ(rest_of_a.events[0]->claim.status, VerificationStatus::kDenied);
}

// A reader that can send only so much at once asks for a page of about that
// many bytes; the first event comes whatever its size.
TEST_P(ClaimStoreConformanceTest, ListEventsStopsAtMaxBytes) {
  for (int i = 0; i < 5; ++i) {
    core::Mutation create = CreateMutation(absl::StrCat("big", i));
    std::get<core::CreateClaim>(create.op).claim.statement =
        std::string(4000, 's');
    ASSERT_OK(store_->Apply(create));  // revision i + 1
  }
  core::ListEventsQuery query = Events("", 1);
  ASSERT_OK_AND_ASSIGN(core::EventPage all, store_->ListEvents(query));
  ASSERT_EQ(all.events.size(), 5u);
  const size_t one = core::ApproximateBytes(all.events[0]->claim);

  query.max_bytes = 2 * one + one / 2;
  ASSERT_OK_AND_ASSIGN(core::EventPage two, store_->ListEvents(query));
  EXPECT_THAT(Revisions(two.events), ElementsAre(1, 2));
  EXPECT_TRUE(two.more);
  EXPECT_EQ(two.next_revision, 3);

  query.from_revision = 4;
  query.max_bytes = 1;
  ASSERT_OK_AND_ASSIGN(core::EventPage first, store_->ListEvents(query));
  EXPECT_THAT(Revisions(first.events), ElementsAre(4));
  EXPECT_TRUE(first.more);
  EXPECT_EQ(first.next_revision, 5);
}

TEST_P(ClaimStoreConformanceTest, CompactTrimsHistoryAndKeepsClaims) {
  for (int i = 1; i <= 5; ++i)
    ASSERT_OK(store_->Apply(CreateMutation(absl::StrCat("c", i))));
  EXPECT_THAT(store_->Compact(6), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(store_->Compact(3));
  EXPECT_EQ(store_->CompactRevision(), 3);
  EXPECT_OK(store_->Compact(2));  // already trimmed: no-op
  EXPECT_EQ(store_->CompactRevision(), 3);

  EXPECT_THAT(
      store_->ListEvents(Events("", 1)),
      StatusIs(absl::StatusCode::kOutOfRange,
               "revision 1 has been compacted; the oldest revision kept is 4"));
  EXPECT_THAT(store_->ListEvents(Events("c5", 3)),
              StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(core::EventPage page, store_->ListEvents(Events("", 4)));
  EXPECT_THAT(Revisions(page.events), ElementsAre(4, 5));
  ASSERT_OK_AND_ASSIGN(core::ClaimPage claims, store_->List({}));
  EXPECT_EQ(claims.claims.size(), 5u);
  EXPECT_OK(store_->Get("c1"));
  // Writing goes on at the next revision.
  ASSERT_OK_AND_ASSIGN(core::MutationResult next,
                       store_->Apply(CreateMutation("c6")));
  EXPECT_EQ(next.event->revision, 6);
}

TEST_P(ClaimStoreConformanceTest, CompactForgetsTheRequestIdsItTrims) {
  ASSERT_OK(store_->Apply(CreateMutation("c1", {}, "req-1")));
  ASSERT_OK(store_->Compact(1));
  // The request is not recognised any more, so it runs again (and fails on its
  // own terms).
  EXPECT_THAT(store_->Apply(CreateMutation("c1", {}, "req-1")),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(ClaimStoreConformanceTest, ListPagesThroughMatchingClaimsInIdOrder) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(store_->Apply(CreateMutation(
        absl::StrCat("c", i), {{"desk", i % 2 == 0 ? "even" : "odd"}})));
  }
  ASSERT_OK_AND_ASSIGN(core::Filter filter,
                       core::Filter::Parse("labels.desk = \"even\""));
  std::vector<std::string> seen;
  core::ListClaimsQuery query = Claims("", 2, filter);
  for (int pages = 0; pages < 10; ++pages) {
    ASSERT_OK_AND_ASSIGN(core::ClaimPage page, store_->List(query));
    EXPECT_LE(page.claims.size(), 2u);
    EXPECT_EQ(page.revision, 10);
    for (const std::string& id : Ids(page.claims)) seen.push_back(id);
    if (!page.more) break;
    query.after_id = page.last_examined_id;
  }
  EXPECT_THAT(seen, ElementsAre("c0", "c2", "c4", "c6", "c8"));
}

TEST_P(ClaimStoreConformanceTest, ListStopsAfterMaxScanned) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(store_->Apply(CreateMutation(
        absl::StrCat("c", i), {{"desk", i == 5 ? "rare" : "common"}})));
  }
  ASSERT_OK_AND_ASSIGN(core::Filter filter,
                       core::Filter::Parse("labels.desk = \"rare\""));
  ASSERT_OK_AND_ASSIGN(core::ClaimPage page,
                       store_->List(Claims("", 10, filter, 3)));
  EXPECT_TRUE(page.claims.empty());
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.last_examined_id, "c2");
  ASSERT_OK_AND_ASSIGN(page, store_->List(Claims("c2", 10, filter, 3)));
  EXPECT_THAT(Ids(page.claims), ElementsAre("c5"));
  EXPECT_FALSE(page.more);
  EXPECT_EQ(page.last_examined_id, "c5");
}

TEST_P(ClaimStoreConformanceTest,
       SnapshotsAndPagesAreConsistentUnderConcurrentWrites) {
  // Every mutation creates one claim, so a consistent read at revision R sees R
  // claims.
  constexpr int kClaims = 200;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    std::vector<core::Mutation> mutations;
    mutations.reserve(kClaims);
    for (int i = 0; i < kClaims; ++i)
      mutations.push_back(CreateMutation(absl::StrCat("c", i)));
    for (const auto& result : SubmitAll(*store_, std::move(mutations)))
      EXPECT_OK(result);
    writing = false;
  });
  int reads = 0;
  while (writing || reads < 5) {
    ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot,
                         store_->ReadSnapshot(core::Filter()));
    EXPECT_EQ(static_cast<int64_t>(snapshot.claims.size()), snapshot.revision);
    ASSERT_OK_AND_ASSIGN(core::ClaimPage page,
                         store_->List(Claims("", kClaims)));
    EXPECT_EQ(static_cast<int64_t>(page.claims.size()), page.revision);
    ++reads;
  }
  writer.join();
  ASSERT_OK_AND_ASSIGN(core::Snapshot final_snapshot,
                       store_->ReadSnapshot(core::Filter()));
  EXPECT_EQ(final_snapshot.revision, kClaims);
  EXPECT_TRUE(std::is_sorted(
      final_snapshot.claims.begin(), final_snapshot.claims.end(),
      [](const core::Claim& a, const core::Claim& b) { return a.id < b.id; }));
}

TEST_P(ClaimStoreConformanceTest, ReadSnapshotAppliesTheFilter) {
  ASSERT_OK(store_->Apply(CreateMutation("a")));
  ASSERT_OK(store_->Apply(CreateMutation("b")));
  ASSERT_OK(store_->Apply(UpdateMutation("b", VerificationStatus::kConfirmed)));
  ASSERT_OK_AND_ASSIGN(core::Filter filter,
                       core::Filter::Parse("status = CONFIRMED"));
  ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot, store_->ReadSnapshot(filter));
  EXPECT_THAT(Ids(snapshot.claims), ElementsAre("b"));
  EXPECT_EQ(snapshot.revision, 3);
}

TEST_P(ClaimStoreConformanceTest, CloseCommitsWhatIsQueuedThenRefusesWork) {
  std::vector<absl::StatusOr<core::MutationResult>> results(20);
  absl::BlockingCounter pending(20);
  for (int i = 0; i < 20; ++i) {
    store_->Submit(
        CreateMutation(absl::StrCat("c", i)),
        [&results, &pending, i](absl::StatusOr<core::MutationResult> r) {
          results[i] = std::move(r);
          pending.DecrementCount();
        });
  }
  store_->Close();
  pending.Wait();
  for (const auto& result : results) EXPECT_OK(result);

  EXPECT_THAT(store_->Apply(CreateMutation("late")),
              StatusIs(absl::StatusCode::kUnavailable, "store is closed"));
  EXPECT_THAT(store_->Compact(1), StatusIs(absl::StatusCode::kUnavailable));
  store_->Close();  // idempotent

  Reopen();
  EXPECT_EQ(store_->CurrentRevision(), 20);
  EXPECT_THAT(store_->Get("late"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace claimd::testing
