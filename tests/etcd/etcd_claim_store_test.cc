// The etcd backend against a real 3-member etcd cluster: the store conformance
// suite (as for SQLite), and what only replicas can show: two stores on one
// prefix are two claimd replicas.
#include "service/etcd_store/etcd_claim_store.h"

#include <signal.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "service/core/limits.h"
#include "service/core/mutation.h"
#include "service/util/status_macros.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/etcd/etcd_test_environment.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

using core::VerificationStatus;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

absl::StatusOr<std::unique_ptr<core::ClaimStore>> OpenEtcd(
    const std::string& dir, core::CommitObserver* observer,
    std::function<absl::Time()> clock) {
  etcd_store::EtcdStoreOptions options = EtcdOptions(absl::StrCat(dir, "/"));
  options.observer = observer;
  options.clock = std::move(clock);
  absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> opened =
      etcd_store::EtcdClaimStore::Open(std::move(options));
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<core::ClaimStore>(*std::move(opened));
}

INSTANTIATE_TEST_SUITE_P(Etcd, ClaimStoreConformanceTest,
                         ::testing::Values(StoreFactory{"Etcd", &OpenEtcd}),
                         StoreFactoryName);

std::vector<int64_t> Revisions(const std::vector<core::ClaimEventPtr>& events) {
  std::vector<int64_t> revisions;
  revisions.reserve(events.size());
  for (const core::ClaimEventPtr& event : events)
    revisions.push_back(event->revision);
  return revisions;
}

// Counts commit Txns by outcome, and resends.
class TxnCounter : public etcd_store::EtcdMetrics {
 public:
  void OnTxn(TxnResult result, absl::Duration) override {
    (result == TxnResult::kCommitted ? committed : lost_or_failed)++;
  }
  void OnTxnResend() override { resends++; }
  std::atomic<int> committed{0};
  std::atomic<int> lost_or_failed{0};
  std::atomic<int> resends{0};
};

// Two replicas (stores) over one prefix.
class EtcdReplicasTest : public ::testing::Test {
 protected:
  // `request_timeout` zero: the default.
  std::unique_ptr<etcd_store::EtcdClaimStore> OpenReplica(
      RecordingObserver* observer,
      etcd_store::EtcdMetrics* etcd_metrics = nullptr,
      absl::Duration request_timeout = absl::ZeroDuration(),
      std::function<absl::Time()> clock = nullptr) {
    etcd_store::EtcdStoreOptions options = EtcdOptions(prefix());
    options.observer = observer;
    if (clock != nullptr) options.clock = std::move(clock);
    options.etcd_metrics = etcd_metrics;
    if (request_timeout > absl::ZeroDuration())
      options.connect.request_timeout = request_timeout;
    absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
        etcd_store::EtcdClaimStore::Open(std::move(options));
    EXPECT_OK(store);
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::string prefix() const { return absl::StrCat(dir_.path(), "/"); }

  static std::unique_ptr<etcd_store::EtcdClient> Client() {
    etcd_store::EtcdConnectOptions connect;
    connect.endpoints = SharedEtcdCluster().endpoints();
    absl::StatusOr<std::unique_ptr<etcd_store::EtcdClient>> client =
        etcd_store::EtcdClient::Create(connect);
    EXPECT_OK(client);
    return client.ok() ? *std::move(client) : nullptr;
  }

  // How many keys etcd holds under this test's prefix + `under`.
  int64_t CountKeys(const std::string& under) {
    std::unique_ptr<etcd_store::EtcdClient> client = Client();
    if (client == nullptr) return -1;
    etcdserverpb::RangeRequest range;
    range.set_key(prefix() + under);
    range.set_range_end(etcd_store::PrefixEnd(range.key()));
    range.set_count_only(true);
    absl::StatusOr<etcdserverpb::RangeResponse> counted = client->Range(range);
    EXPECT_OK(counted);
    return counted.ok() ? counted->count() : -1;
  }

  TempDir dir_;
  RecordingObserver observer_a_, observer_b_;
};

// Every field at the contract's limit: 256 pieces of evidence of about 10.7
// KiB each (2.7 MiB), more than one etcd request may carry (1.5 MiB), less
// `missing` pieces.
core::Mutation HugeCreate(const std::string& id, size_t missing = 0,
                          const std::string& request_id = "") {
  core::CreateClaim create;
  create.claim.id = id;
  create.claim.statement = std::string(core::kMaxStatementBytes, 's');
  for (size_t i = 0; i < core::kMaxLabels; ++i) {
    create.claim.labels[absl::StrCat("k", i)] =
        std::string(core::kMaxLabelValueBytes, 'v');
  }
  for (size_t i = 0; i + missing < core::kMaxEvidencePerClaim; ++i) {
    core::Evidence evidence;
    evidence.source = std::string(core::kMaxSourceBytes, 'o');
    evidence.url =
        "https://example.com/" + std::string(core::kMaxUrlBytes - 20, 'u');
    evidence.quote = std::string(core::kMaxQuoteBytes, 'q');
    evidence.note = std::string(core::kMaxNoteBytes, 'n');
    evidence.actor = std::string(core::kMaxActorBytes, 'a');
    create.claim.evidence.push_back(std::move(evidence));
  }
  return core::Mutation{create, request_id};
}

TEST_F(EtcdReplicasTest, WritesThroughBothAreOneDenseSequenceSeenByBoth) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->StoreId(), b->StoreId());
  EXPECT_FALSE(a->StoreId().empty());
  constexpr int kPerReplica = 60;
  absl::BlockingCounter pending(2 * kPerReplica);
  std::atomic<int> failures{0};
  for (int i = 0; i < kPerReplica; ++i) {
    for (auto* store : {a.get(), b.get()}) {
      store->Submit(
          CreateMutation(absl::StrCat(store == a.get() ? "a" : "b", i)),
          [&](const absl::StatusOr<core::MutationResult>& result) {
            if (!result.ok()) ++failures;
            pending.DecrementCount();
          });
    }
  }
  pending.Wait();
  EXPECT_EQ(failures.load(), 0);
  // A read on either replica reflects every acknowledged write.
  ASSERT_OK_AND_ASSIGN(core::Snapshot from_a, a->ReadSnapshot(core::Filter()));
  ASSERT_OK_AND_ASSIGN(core::Snapshot from_b, b->ReadSnapshot(core::Filter()));
  EXPECT_EQ(from_a.claims.size(), 2u * kPerReplica);
  EXPECT_EQ(from_b.claims, from_a.claims);
  EXPECT_EQ(from_b.revision, 2 * kPerReplica);
  std::vector<int64_t> expected;
  for (int r = 1; r <= 2 * kPerReplica; ++r) expected.push_back(r);
  EXPECT_THAT(Revisions(observer_a_.events()), ElementsAreArray(expected));
  EXPECT_THAT(Revisions(observer_b_.events()), ElementsAreArray(expected));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(*observer_a_.events()[i], *observer_b_.events()[i]);
}

TEST_F(EtcdReplicasTest, AWriteOnOneIsReadOnTheOtherAtOnce) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(core::MutationResult created,
                         a->Apply(CreateMutation(absl::StrCat("c", i))));
    ASSERT_OK_AND_ASSIGN(core::Claim read, b->Get(absl::StrCat("c", i)));
    EXPECT_EQ(read, created.event->claim);
  }
}

// The state core::Metrics is told about (claimd_store_revision and
// claimd_claims{status}), replayed as PrometheusMetrics keeps it.
class StateMetrics : public core::Metrics {
 public:
  void OnStoreOpened(int64_t revision,
                     const core::StatusCounts& counts) override {
    absl::MutexLock lock(&mutex_);
    revision_ = revision;
    counts_ = counts;
  }
  void OnEventsApplied(absl::Span<const core::ClaimEventPtr> events) override {
    absl::MutexLock lock(&mutex_);
    for (const core::ClaimEventPtr& event : events) {
      const core::StatusChange change = core::StatusChangeOf(*event);
      if (change.removed != core::VerificationStatus::kUnspecified)
        --counts_[static_cast<int>(change.removed)];
      if (change.added != core::VerificationStatus::kUnspecified)
        ++counts_[static_cast<int>(change.added)];
      revision_ = event->revision;
    }
  }
  std::pair<int64_t, core::StatusCounts> state() const {
    absl::MutexLock lock(&mutex_);
    return {revision_, counts_};
  }

 private:
  mutable absl::Mutex mutex_;
  int64_t revision_ ABSL_GUARDED_BY(mutex_) = -1;
  core::StatusCounts counts_ ABSL_GUARDED_BY(mutex_){};
};

// Found by an outside check: each replica's claimd_store_revision and
// claimd_claims counted only its own commits, so replicas disagreed with each
// other and with the store.
TEST_F(EtcdReplicasTest, EachReplicasStateMetricsFollowEveryReplicasWrites) {
  StateMetrics metrics_a, metrics_b, metrics_late;
  auto open = [&](RecordingObserver* observer, core::Metrics* metrics) {
    etcd_store::EtcdStoreOptions options = EtcdOptions(prefix());
    options.observer = observer;
    options.metrics = metrics;
    absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
        etcd_store::EtcdClaimStore::Open(std::move(options));
    EXPECT_OK(store);
    return store.ok() ? *std::move(store) : nullptr;
  };
  auto a = open(&observer_a_, &metrics_a);
  auto b = open(&observer_b_, &metrics_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < 4; ++i)
    ASSERT_OK(a->Apply(CreateMutation(absl::StrCat("m", i))));
  ASSERT_OK(a->Apply(UpdateMutation("m0", VerificationStatus::kConfirmed)));
  ASSERT_OK(b->Apply(UpdateMutation("m1", VerificationStatus::kDenied)));
  ASSERT_OK(b->Apply(DeleteMutation("m2")));
  // Opened on a store that already holds claims: its counts start from them.
  RecordingObserver observer_late;
  auto late = open(&observer_late, &metrics_late);
  ASSERT_NE(late, nullptr);
  ASSERT_OK(b->Apply(CreateMutation("m4")));
  ASSERT_OK(a->Apply(UpdateMutation("m3", VerificationStatus::kDenied)));
  // Revision 9: m0 CONFIRMED, m1 and m3 DENIED, m4 REPORTED, m2 deleted.
  core::StatusCounts expected{};
  expected[static_cast<int>(VerificationStatus::kReported)] = 1;
  expected[static_cast<int>(VerificationStatus::kConfirmed)] = 1;
  expected[static_cast<int>(VerificationStatus::kDenied)] = 2;
  for (auto* store : {a.get(), b.get(), late.get()}) {
    // A read waits until the replica has applied every acknowledged write;
    // the metrics are reported before that.
    ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot,
                         store->ReadSnapshot(core::Filter()));
    EXPECT_EQ(snapshot.revision, 9);
  }
  for (const StateMetrics* metrics : {&metrics_a, &metrics_b, &metrics_late}) {
    EXPECT_EQ(metrics->state().first, 9);
    EXPECT_EQ(metrics->state().second, expected);
  }
}

// Found by an outside check: etcd restored from a snapshot under a running
// replica left it serving claims etcd no longer held, and its writer lost
// every compare and sent its Txn again at once (about 730 Txns a second for
// one write) until the deadline. Now the counter behind what the replica
// knows was committed stops it: writes fail at once, not applied, reads too,
// and health says why, until it is restarted.
TEST_F(EtcdReplicasTest, ACounterThatWentBackStopsTheReplica) {
  TxnCounter txns;
  auto a = OpenReplica(&observer_a_, &txns);
  ASSERT_NE(a, nullptr);
  for (int i = 0; i < 5; ++i)
    ASSERT_OK(a->Apply(CreateMutation(absl::StrCat("r", i))));
  ASSERT_OK(a->Health());
  // What a restore of an older snapshot does to the counter.
  std::unique_ptr<etcd_store::EtcdClient> client = Client();
  ASSERT_NE(client, nullptr);
  etcdserverpb::TxnRequest put;
  auto* request = put.add_success()->mutable_request_put();
  request->set_key(prefix() + "meta/revision");
  request->set_value("2");
  ASSERT_OK(client->Txn(put).status());
  const int before = txns.committed + txns.lost_or_failed;
  absl::StatusOr<core::MutationResult> write =
      a->Apply(CreateMutation("after-restore"));
  EXPECT_THAT(write.status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("went back")));
  EXPECT_LE(txns.committed + txns.lost_or_failed - before, 1);
  EXPECT_THAT(a->Health(), StatusIs(absl::StatusCode::kUnavailable,
                                    HasSubstr("is at 2, behind revision ")));
  EXPECT_THAT(a->Get("r4").status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("went back")));
  // Sticky: etcd's counter moving past 5 again does not make the replica's
  // state right.
  request->set_value("9");
  ASSERT_OK(client->Txn(put).status());
  EXPECT_THAT(a->Apply(CreateMutation("later")).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("went back")));
  EXPECT_FALSE(a->Health().ok());
}

TEST_F(EtcdReplicasTest, CompareAndSetRacesHaveExactlyOneWinnerPerRound) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  ASSERT_OK_AND_ASSIGN(core::MutationResult created,
                       a->Apply(CreateMutation("contested")));
  int64_t revision = created.event->revision;
  for (int round = 0; round < 15; ++round) {
    std::vector<absl::StatusOr<core::MutationResult>> results(2);
    absl::BlockingCounter pending(2);
    const VerificationStatus verdict = round % 2 == 0
                                           ? VerificationStatus::kConfirmed
                                           : VerificationStatus::kDenied;
    a->Submit(UpdateMutation("contested", verdict, revision),
              [&](absl::StatusOr<core::MutationResult> r) {
                results[0] = std::move(r);
                pending.DecrementCount();
              });
    b->Submit(UpdateMutation("contested", verdict, revision),
              [&](absl::StatusOr<core::MutationResult> r) {
                results[1] = std::move(r);
                pending.DecrementCount();
              });
    pending.Wait();
    const int winners = results[0].ok() + results[1].ok();
    ASSERT_EQ(winners, 1) << "round " << round;
    for (const auto& result : results) {
      if (result.ok()) {
        revision = result->event->revision;
      } else {
        EXPECT_THAT(result, StatusIs(absl::StatusCode::kAborted));
      }
    }
  }
}

// Many mutations of one claim submitted at once: each goes into its own Txn
// (a Txn writes a key once), and the writer builds each on the previous ones
// before its watch has delivered them (the overlay). Every one must see the
// claim as its predecessors left it: compare-and-set chains, a request_id
// replays, a second create is refused, a deletion then a re-creation land.
TEST_F(EtcdReplicasTest, PipelinedBatchesBuildOnTheWritersOwnCommits) {
  TxnCounter txns;
  auto a = OpenReplica(&observer_a_, &txns);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  constexpr int kUpdates = 40;
  std::vector<core::Mutation> burst;
  burst.push_back(CreateMutation("p"));
  for (int i = 0; i < kUpdates; ++i) {
    burst.push_back(UpdateMutation("p",
                                   i % 2 == 0 ? VerificationStatus::kConfirmed
                                              : VerificationStatus::kDenied,
                                   /*expected_revision=*/i + 1,
                                   absl::StrCat("u", i)));
  }
  burst.push_back(UpdateMutation("p", VerificationStatus::kDenied,
                                 /*expected_revision=*/6, "u5"));  // replay
  burst.push_back(CreateMutation("p"));  // ALREADY_EXISTS
  burst.push_back(DeleteMutation("p", kUpdates + 1));
  burst.push_back(CreateMutation("p"));  // a new incarnation
  std::vector<absl::StatusOr<core::MutationResult>> results(burst.size());
  absl::BlockingCounter pending(static_cast<int>(burst.size()));
  for (size_t i = 0; i < burst.size(); ++i) {
    a->Submit(burst[i], [&, i](absl::StatusOr<core::MutationResult> r) {
      results[i] = std::move(r);
      pending.DecrementCount();
    });
  }
  pending.Wait();
  for (int i = 0; i <= kUpdates; ++i) {
    ASSERT_OK(results[i].status()) << "mutation " << i;
    EXPECT_EQ(results[i]->event->revision, i + 1);
    EXPECT_FALSE(results[i]->replayed);
  }
  const size_t replay = kUpdates + 1;
  ASSERT_OK(results[replay].status());
  EXPECT_TRUE(results[replay]->replayed);
  EXPECT_EQ(results[replay]->event->revision, 7);  // u5: after the create
  EXPECT_THAT(results[replay + 1], StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(results[replay + 2].status());
  EXPECT_EQ(results[replay + 2]->event->revision, kUpdates + 2);
  ASSERT_OK(results[replay + 3].status());
  EXPECT_EQ(results[replay + 3]->event->revision, kUpdates + 3);
  EXPECT_EQ(results[replay + 3]->event->claim.create_revision, kUpdates + 3);
  // The other replica, fed only by its watch, holds the same claim and saw
  // the same events.
  ASSERT_OK_AND_ASSIGN(core::Claim on_b, b->Get("p"));
  EXPECT_EQ(on_b, results[replay + 3]->event->claim);
  std::vector<int64_t> expected;
  for (int r = 1; r <= kUpdates + 3; ++r) expected.push_back(r);
  EXPECT_THAT(Revisions(observer_a_.events()), ElementsAreArray(expected));
  EXPECT_THAT(Revisions(observer_b_.events()), ElementsAreArray(expected));
  // Nobody else wrote: every Txn was built on the right state and committed
  // the first time (a writer that built on its watch-fed state alone would
  // lose its own race whenever the watch trailed its last commit).
  EXPECT_EQ(txns.lost_or_failed.load(), 0);
  EXPECT_EQ(txns.committed.load(), kUpdates + 3);  // one Txn per write of p
}

TEST_F(EtcdReplicasTest, ARetryOnAnotherReplicaReplaysTheFirstResult) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  ASSERT_OK_AND_ASSIGN(core::MutationResult first,
                       a->Apply(CreateMutation("c1", {}, "req-1")));
  ASSERT_OK_AND_ASSIGN(core::MutationResult again,
                       b->Apply(CreateMutation("c1", {}, "req-1")));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(*again.event, *first.event);
  EXPECT_EQ(b->CurrentRevision(), 1);
}

// A replica that opens after the write loads the request_id records (kept by
// a hash of the request_id) and replays from them; another request_id is new.
TEST_F(EtcdReplicasTest, ARetryOnAReplicaOpenedLaterReplaysTheFirstResult) {
  auto a = OpenReplica(&observer_a_);
  ASSERT_NE(a, nullptr);
  ASSERT_OK_AND_ASSIGN(core::MutationResult first,
                       a->Apply(CreateMutation("c1", {}, "req-1")));
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  ASSERT_OK_AND_ASSIGN(core::MutationResult again,
                       b->Apply(CreateMutation("c1", {}, "req-1")));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(*again.event, *first.event);
  EXPECT_THAT(b->Apply(CreateMutation("c2", {}, "req-1")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(core::MutationResult other,
                       b->Apply(CreateMutation("c2", {}, "req-2")));
  EXPECT_FALSE(other.replayed);
  EXPECT_EQ(other.event->revision, 2);
}

// A claim at the contract's size limits (HugeCreate) commits, and so does an
// update that adds its last piece of evidence.
TEST_F(EtcdReplicasTest, AClaimAtTheContractsSizeLimitsCommits) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  const core::Mutation mutation = HugeCreate("huge", 1);
  ASSERT_OK(core::ValidateMutation(mutation));
  ASSERT_OK_AND_ASSIGN(core::MutationResult created, a->Apply(mutation));
  // The last piece of evidence, as an update.
  ASSERT_OK_AND_ASSIGN(
      core::MutationResult updated,
      b->Apply(UpdateMutation("huge", VerificationStatus::kConfirmed)));
  ASSERT_OK_AND_ASSIGN(core::Claim read, a->Get("huge"));
  EXPECT_EQ(read, updated.event->claim);
  EXPECT_EQ(read.evidence.size(), core::kMaxEvidencePerClaim);
  ASSERT_OK_AND_ASSIGN(core::EventPage history,
                       b->ListEvents(core::ListEventsQuery{"huge", 1, 10}));
  ASSERT_EQ(history.events.size(), 2u);
  EXPECT_EQ(*history.events[0], *created.event);
  EXPECT_EQ(*history.events[1], *updated.event);
}

// A create too large for one Txn stages its evidence in etcd first; one that
// is refused (its claim exists) or replayed (its request_id was applied)
// must not: the probe's 20 of each added 240 chunk keys and 100 MB to etcd.
TEST_F(EtcdReplicasTest, RefusedOrReplayedLargeCreatesWriteNothingToEtcd) {
  auto a = OpenReplica(&observer_a_);
  ASSERT_NE(a, nullptr);
  ASSERT_OK(a->Apply(HugeCreate("dup", 0, "first")));
  const int64_t chunks = CountKeys("v/dup/");
  const int64_t requests = CountKeys("r/");
  EXPECT_GT(chunks, 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(a->Apply(HugeCreate("dup", 0, absl::StrCat("again-", i))),
                StatusIs(absl::StatusCode::kAlreadyExists));
    ASSERT_OK_AND_ASSIGN(core::MutationResult replay,
                         a->Apply(HugeCreate("dup", 0, "first")));
    EXPECT_TRUE(replay.replayed);
  }
  EXPECT_EQ(CountKeys("v/dup/"), chunks);
  EXPECT_EQ(CountKeys("r/"), requests);
  EXPECT_EQ(a->CurrentRevision(), 1);
}

// A refused create followed in one batch by a create that must be staged:
// each gets its own answer (the refused one used to get the large one's
// "needs N operations ... more than one etcd Txn holds").
TEST_F(EtcdReplicasTest, ARefusedCreateBeforeAStagedOneGetsItsOwnAnswer) {
  // The writer calls the clock once per mutation it applies: holding the
  // first call of `held` keeps the writer busy while the pair is queued
  // behind it, so the writer takes the pair as one batch.
  absl::Notification entered, release;
  std::atomic<bool> hold{false};
  auto a = OpenReplica(&observer_a_, nullptr, absl::ZeroDuration(), [&] {
    if (hold.exchange(false)) {
      entered.Notify();
      release.WaitForNotification();
    }
    return absl::Now();
  });
  ASSERT_NE(a, nullptr);
  ASSERT_OK(a->Apply(CreateMutation("exists")));
  hold = true;
  absl::BlockingCounter pending(3);
  std::vector<absl::Status> answers(3);
  auto answer = [&](int i) {
    return [&, i](const absl::StatusOr<core::MutationResult>& result) {
      answers[i] = result.status();
      pending.DecrementCount();
    };
  };
  a->Submit(CreateMutation("held"), answer(0));
  entered.WaitForNotification();
  a->Submit(CreateMutation("exists"), answer(1));
  a->Submit(HugeCreate("large"), answer(2));
  release.Notify();
  pending.Wait();
  EXPECT_OK(answers[0]);
  EXPECT_THAT(answers[1], StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_OK(answers[2]);
  ASSERT_OK_AND_ASSIGN(core::Claim large, a->Get("large"));
  EXPECT_EQ(large.evidence.size(), core::kMaxEvidencePerClaim);
}

// One member's /metrics (etcd serves them on its client port), parsed.
absl::StatusOr<e2e::Scrape> ScrapeMember(int member) {
  return e2e::ScrapeMetrics(SharedEtcdCluster().client_port(member));
}

// What the members have sent their clients, in bytes (etcd's own counter).
int64_t EtcdSentBytes() {
  int64_t total = 0;
  for (int member = 0; member < SharedEtcdCluster().size(); ++member) {
    absl::StatusOr<e2e::Scrape> scrape = ScrapeMember(member);
    EXPECT_OK(scrape);
    if (scrape.ok()) {
      total += static_cast<int64_t>(
          scrape->Value("etcd_network_client_grpc_sent_bytes_total"));
    }
  }
  return total;
}

// A claim deleted and created again keeps each incarnation's evidence under
// the same v/<id>/ prefix while history holds it: a history read fetches its
// own incarnation's chunks only, so its cost does not grow with the claim's
// past.
TEST_F(EtcdReplicasTest, AHistoryReadFetchesOnlyItsIncarnationsEvidence) {
  auto a = OpenReplica(&observer_a_);
  ASSERT_NE(a, nullptr);
  constexpr int kIncarnations = 16;
  constexpr size_t kEvidence = 24;  // about 10 KB each: 240 KB per incarnation
  int64_t last_create = 0;
  for (int i = 0; i < kIncarnations; ++i) {
    core::Mutation create = CreateMutation("again");
    for (size_t e = 0; e < kEvidence; ++e) {
      core::Evidence evidence;
      evidence.source = absl::StrCat("s", e);
      evidence.url = absl::StrCat("https://example.com/", i, "/", e);
      evidence.quote = std::string(core::kMaxQuoteBytes, 'q');
      evidence.note = std::string(core::kMaxNoteBytes, 'n');
      std::get<core::CreateClaim>(create.op).claim.evidence.push_back(
          std::move(evidence));
    }
    ASSERT_OK_AND_ASSIGN(core::MutationResult created, a->Apply(create));
    last_create = created.event->revision;
    ASSERT_OK(a->Apply(DeleteMutation("again")));
  }
  const int64_t one_incarnation = static_cast<int64_t>(
      kEvidence * (core::kMaxQuoteBytes + core::kMaxNoteBytes));
  const int64_t before = EtcdSentBytes();
  ASSERT_OK_AND_ASSIGN(
      core::EventPage history,
      a->ListEvents(core::ListEventsQuery{"again", last_create, 10}));
  const int64_t sent = EtcdSentBytes() - before;
  ASSERT_EQ(history.events.size(), 2u);
  EXPECT_EQ(history.events[1]->claim.evidence.size(), kEvidence);
  EXPECT_EQ(history.events[0]->claim.evidence[0].url,
            absl::StrCat("https://example.com/", kIncarnations - 1, "/0"));
  // One incarnation's evidence and the records, not all sixteen.
  EXPECT_LT(sent, 2 * one_incarnation) << "etcd sent " << sent << " bytes";
  EXPECT_GT(sent, one_incarnation / 2);
}

// Every replica's ticker compacts: N replicas compacting to the same point
// cost one deletion pass and one etcd Compact, and both report the new
// compact revision and refuse to resume below it.
TEST_F(EtcdReplicasTest, CompactionByBothReplicasRunsOnce) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < 12; ++i)
    ASSERT_OK(a->Apply(CreateMutation(absl::StrCat("k", i))));
  ASSERT_OK(a->Compact(8));
  ASSERT_OK(b->Compact(8));
  const auto work_a = a->compaction_work();
  const auto work_b = b->compaction_work();
  EXPECT_EQ(work_a.passes, 1);
  EXPECT_EQ(work_b.passes, 0);
  EXPECT_GT(work_a.keys_deleted, 0);
  EXPECT_EQ(work_b.keys_deleted, 0);
  for (auto* store : {a.get(), b.get()}) {
    EXPECT_EQ(store->CompactRevision(), 8);
    EXPECT_THAT(store->ListEvents(core::ListEventsQuery{"", 3, 10}),
                StatusIs(absl::StatusCode::kOutOfRange));
    ASSERT_OK_AND_ASSIGN(core::EventPage rest,
                         store->ListEvents(core::ListEventsQuery{"", 9, 10}));
    EXPECT_EQ(rest.events.size(), 4u);
  }

  // etcd's MVCC history: both tick with the same revision; one compacts.
  etcd_store::EtcdConnectOptions connect;
  connect.endpoints = SharedEtcdCluster().endpoints();
  ASSERT_OK_AND_ASSIGN(auto client, etcd_store::EtcdClient::Create(connect));
  etcdserverpb::RangeRequest head;
  head.set_key("/");
  head.set_count_only(true);
  ASSERT_OK_AND_ASSIGN(etcdserverpb::RangeResponse now, client->Range(head));
  const int64_t revision = now.header().revision();
  ASSERT_OK_AND_ASSIGN(bool a_compacted,
                       a->CompactEtcdHistory(revision, revision));
  ASSERT_OK_AND_ASSIGN(bool b_compacted,
                       b->CompactEtcdHistory(revision, revision));
  EXPECT_TRUE(a_compacted);
  EXPECT_FALSE(b_compacted);
  EXPECT_EQ(a->compaction_work().etcd_compactions, 1);
  EXPECT_EQ(b->compaction_work().etcd_compactions, 0);
  // Both replicas still serve after etcd's compaction.
  ASSERT_OK(b->Apply(CreateMutation("after")));
  EXPECT_OK(a->Get("after"));
}

// Compact moves meta/compact before its deletion pass removes the trimmed
// keys (and a pass that fails, or finds another replica's running, leaves
// them until the next). A first page asked "from the oldest kept" whose range
// met only such keys used to come back empty and final: the history looked
// empty. It must start at the oldest kept event instead.
TEST_F(EtcdReplicasTest, TheFirstPageSkipsTrimmedKeysNotYetDeleted) {
  auto store = OpenReplica(&observer_a_);
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 10; ++i) {
    ASSERT_OK(store->Apply(CreateMutation(absl::StrCat("c", i))));
  }
  // As Compact(6) leaves etcd before its deletion pass: events 1..6 still
  // stored, meta/compact at 6.
  std::unique_ptr<etcd_store::EtcdClient> client = Client();
  ASSERT_NE(client, nullptr);
  etcdserverpb::TxnRequest txn;
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(prefix() + "meta/compact");
  put->set_value("6");
  ASSERT_OK(client->Txn(txn));
  for (const std::string& claim_id : {std::string(), std::string("c7")}) {
    ASSERT_OK_AND_ASSIGN(
        core::EventPage page,
        store->ListEvents(core::ListEventsQuery{claim_id, 0, 3}));
    ASSERT_FALSE(page.events.empty()) << "claim \"" << claim_id << "\"";
    EXPECT_EQ(page.events.front()->revision, 7) << claim_id;
    if (claim_id.empty()) {
      EXPECT_THAT(Revisions(page.events), ElementsAre(7, 8, 9));
      EXPECT_TRUE(page.more);
      EXPECT_EQ(page.next_revision, 10);
    }
  }
}

// A watch that keeps failing while etcd answers (here a key under the prefix
// that is not claimd's, which the watch and every resync refuse) leaves the
// replica unable to deliver or serve a read: its health says so, and keeps
// saying so although every health probe reaches a quorum (it used to turn OK
// at each probe). Once the key is gone the watch resyncs, health turns OK,
// and the observer has every revision once.
TEST_F(EtcdReplicasTest, AWatchThatKeepsFailingKeepsTheReplicaUnhealthy) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_OK(a->Apply(CreateMutation("first")));
  std::unique_ptr<etcd_store::EtcdClient> client = Client();
  ASSERT_NE(client, nullptr);
  // A claim header that does not parse: the watch refuses it, and so does
  // every resync's load of the claims.
  const std::string bad_key = prefix() + "c/not-a-header";
  etcdserverpb::TxnRequest put;
  put.add_success()->mutable_request_put()->set_key(bad_key);
  put.mutable_success(0)->mutable_request_put()->set_value("garbage");
  ASSERT_OK(client->Txn(put));
  // A revision written meanwhile: delivered once, after the key is gone.
  absl::Notification second_answered;
  absl::Status second = absl::UnknownError("not answered");
  b->Submit(CreateMutation("second"),
            [&](const absl::StatusOr<core::MutationResult>& result) {
              second = result.status();
              second_answered.Notify();
            });
  absl::Status health = absl::OkStatus();
  for (int i = 0; i < 200 && health.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    health = a->Health();
  }
  EXPECT_THAT(health, StatusIs(absl::StatusCode::kUnavailable,
                               ::testing::HasSubstr("watch")));
  // Probes reach the quorum, and health stays UNAVAILABLE through them.
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(a->ProbeHealth(), StatusIs(absl::StatusCode::kUnavailable));
    absl::SleepFor(absl::Milliseconds(500));
  }
  etcdserverpb::TxnRequest remove;
  remove.add_success()->mutable_request_delete_range()->set_key(bad_key);
  ASSERT_OK(client->Txn(remove));
  for (int i = 0; i < 200 && !health.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    health = a->ProbeHealth();
  }
  EXPECT_OK(health);
  ASSERT_TRUE(
      second_answered.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_OK(second);
  ASSERT_OK(a->Apply(CreateMutation("third")));
  EXPECT_OK(a->Get("second"));
  EXPECT_THAT(Revisions(observer_a_.events()), ElementsAre(1, 2, 3));
}

// The deletion pass removes every key the trimmed events kept alive (events,
// index entries, tombstones and their evidence, request records) and nothing
// else: a request record rewritten since its event (a request_id used again
// after it was forgotten) stays. Prints the pass's rate (it was one to three
// serial round trips per event: about 170 events/s under load).
TEST_F(EtcdReplicasTest, CompactionDeletesWhatTheTrimmedEventsKeptAlive) {
  auto a = OpenReplica(&observer_a_);
  ASSERT_NE(a, nullptr);
  constexpr int64_t kIds = 64, kCycles = 11;
  absl::BlockingCounter pending(static_cast<int>(3 * kIds * kCycles));
  std::atomic<int> failures{0};
  auto done = [&](const absl::StatusOr<core::MutationResult>& result) {
    if (!result.ok()) ++failures;
    pending.DecrementCount();
  };
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    for (int i = 0; i < kIds; ++i) {
      a->Submit(CreateMutation(absl::StrCat("k", i), {},
                               absl::StrCat("c-", cycle, "-", i)),
                done);
    }
    for (int i = 0; i < kIds; ++i) {
      a->Submit(
          UpdateMutation(absl::StrCat("k", i), VerificationStatus::kConfirmed,
                         0, absl::StrCat("u-", cycle, "-", i)),
          done);
    }
    for (int i = 0; i < kIds; ++i) {
      a->Submit(DeleteMutation(absl::StrCat("k", i), 0,
                               absl::StrCat("d-", cycle, "-", i)),
                done);
    }
  }
  pending.Wait();
  ASSERT_EQ(failures.load(), 0);
  constexpr int64_t kEvents = 3 * kIds * kCycles, kKept = 3 * kIds;
  ASSERT_EQ(a->CurrentRevision(), kEvents);
  // The record of revision 1's request_id, as if it had been used again.
  std::unique_ptr<etcd_store::EtcdClient> client = Client();
  ASSERT_NE(client, nullptr);
  etcd_store::v1::RequestRecord reused;
  reused.set_revision(kEvents + 1);
  etcdserverpb::TxnRequest put;
  put.add_success()->mutable_request_put()->set_key(prefix() + "r/c-0-0");
  put.mutable_success(0)->mutable_request_put()->set_value(
      reused.SerializeAsString());
  ASSERT_OK(client->Txn(put));

  const absl::Time started = absl::Now();
  ASSERT_OK(a->Compact(kEvents - kKept));
  const absl::Duration took = absl::Now() - started;
  std::cout << "deletion pass: " << kEvents - kKept << " events ("
            << a->compaction_work().keys_deleted << " keys) in " << took << ": "
            << static_cast<int64_t>((kEvents - kKept) /
                                    absl::ToDoubleSeconds(took))
            << " events/s\n";
  EXPECT_EQ(CountKeys("e/"), kKept);
  EXPECT_EQ(CountKeys("i/"), kKept);
  EXPECT_EQ(CountKeys("r/"), kKept + 1);
  EXPECT_EQ(CountKeys("r/c-0-0"), 1);
  // The last cycle's deleted incarnations and their evidence.
  EXPECT_EQ(CountKeys("d/"), kIds);
  EXPECT_EQ(CountKeys("v/"), kIds);
  ASSERT_OK_AND_ASSIGN(
      core::EventPage kept,
      a->ListEvents(core::ListEventsQuery{"", kEvents - kKept + 1, 1000}));
  EXPECT_EQ(kept.events.size(), static_cast<size_t>(kKept));
}

// Sleeps in every report of deleted keys: a deletion pass that outlasts the
// TTL of its claim (meta/compacting).
class SlowDeletionPass : public etcd_store::EtcdMetrics {
 public:
  void OnCompactedKeys(int64_t) override {
    absl::SleepFor(absl::Milliseconds(400));
  }
};

// The running pass renews its claim: a second replica compacting after the
// claim's TTL finds it still held and runs no second pass (the 60 s lease
// used to expire mid-pass, under sustained writes).
TEST_F(EtcdReplicasTest, ADeletionPassLongerThanItsLeaseKeepsItsClaim) {
  SlowDeletionPass slow;
  etcd_store::EtcdStoreOptions options = EtcdOptions(prefix());
  options.etcd_metrics = &slow;
  options.compacting_lease = absl::Seconds(2);  // etcd's minimum here
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<etcd_store::EtcdClaimStore> a,
                       etcd_store::EtcdClaimStore::Open(std::move(options)));
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  constexpr int kEvents = 2048;  // 4 pages: 12 reports, about 5 s
  absl::BlockingCounter pending(kEvents);
  for (int i = 0; i < kEvents; ++i) {
    a->Submit(CreateMutation(absl::StrCat("k", i), {}, absl::StrCat("r", i)),
              [&](const absl::StatusOr<core::MutationResult>& result) {
                EXPECT_OK(result);
                pending.DecrementCount();
              });
  }
  pending.Wait();
  std::thread pass([&] { EXPECT_OK(a->Compact(kEvents)); });
  while (a->compaction_work().passes == 0)
    absl::SleepFor(absl::Milliseconds(5));
  absl::SleepFor(absl::Milliseconds(3500));  // past the claim's TTL
  ASSERT_OK(b->Compact(kEvents));
  EXPECT_EQ(b->compaction_work().passes, 0);
  pass.join();
  EXPECT_EQ(a->compaction_work().passes, 1);
  EXPECT_EQ(CountKeys("e/"), 0);
  EXPECT_EQ(CountKeys("r/"), 0);
  EXPECT_EQ(CountKeys("meta/compacting"), 0);
}

// SIGSTOP of the etcd leader with writes on their way: a Txn whose proposal
// went to the stopped leader (directly or through a follower) gets no answer
// from etcd before its own request timeout. The writer gives up on the attempt
// and sends the same Txn again, which the newly elected leader commits: every
// write succeeds, once. (Before, each failed after the 5 s request timeout as
// "may or may not have been applied".) Disturbs the shared cluster, then waits
// until it is healthy again.
TEST_F(EtcdReplicasTest, ZYWritesOutliveTheLeaderStoppingUnderThem) {
  TxnCounter txns;
  auto store = OpenReplica(&observer_a_, &txns);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(CreateMutation("before")));
  EtcdCluster& cluster = SharedEtcdCluster();
  ASSERT_OK_AND_ASSIGN(const int leader, cluster.Leader());
  cluster.Stop(leader);
  constexpr int kWrites = 8;
  absl::BlockingCounter pending(kWrites);
  absl::Mutex mutex;
  std::vector<std::string> failures;
  const absl::Time stopped = absl::Now();
  for (int i = 0; i < kWrites; ++i) {
    store->Submit(CreateMutation(absl::StrCat("during-", i)),
                  [&](const absl::StatusOr<core::MutationResult>& result) {
                    if (!result.ok()) {
                      absl::MutexLock lock(&mutex);
                      failures.push_back(result.status().ToString());
                    }
                    pending.DecrementCount();
                  });
  }
  pending.Wait();
  std::cout << "writes answered " << absl::Now() - stopped
            << " after the leader (member " << leader << ") stopped"
            << std::endl;
  cluster.Continue(leader);
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  EXPECT_THAT(failures, ::testing::IsEmpty());
  // The first Txn went to the stopped leader, or to a follower that forwarded
  // it there: only a resend could commit it.
  EXPECT_GE(txns.resends.load(), 1);
  std::vector<int64_t> expected;
  for (int r = 1; r <= kWrites + 1; ++r) expected.push_back(r);
  ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot,
                       store->ReadSnapshot(core::Filter()));
  EXPECT_EQ(snapshot.claims.size(), static_cast<size_t>(kWrites + 1));
  EXPECT_EQ(snapshot.revision, kWrites + 1);
  EXPECT_THAT(Revisions(observer_a_.events()), ElementsAreArray(expected));
}

// A member that hangs (SIGSTOP) keeps its connections up but sends nothing,
// so a replica whose etcd watch runs on it would learn of no commit until
// gRPC's keepalive gave up on the connection (15 s). Each member in turn
// hangs while replica b writes; replica a's read of that write, which waits
// for a's watch to deliver it, must succeed within a's request timeout: a's
// watch, once it delivered nothing for a second while a waited, is reopened
// on another member.
TEST_F(EtcdReplicasTest, ZYAReplicaReadsThroughAMemberHangingUnderItsWatch) {
  auto a = OpenReplica(&observer_a_, nullptr, absl::Seconds(10));
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EtcdCluster& cluster = SharedEtcdCluster();
  for (int member = 0; member < cluster.size(); ++member) {
    ASSERT_OK(a->Apply(CreateMutation(absl::StrCat("warm-", member))));
    cluster.Stop(member);
    const std::string id = absl::StrCat("while-", member, "-hangs");
    const absl::StatusOr<core::MutationResult> written =
        b->Apply(CreateMutation(id));
    const absl::StatusOr<core::Claim> read = a->Get(id);
    cluster.Continue(member);
    ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
    ASSERT_OK(written) << "member " << member << " hung";
    EXPECT_OK(read) << "member " << member << " hung";
  }
}

// A replica nobody reads from still delivers to its watchers while the member
// under its etcd watch hangs: its health probe finds a revision etcd committed
// one probe ago still unapplied and restarts the watch, which round_robin
// opens on another member. Otherwise only gRPC's keepalive (10 s, then 5 s
// for the answer) would give the silent member up. Each member hangs in turn,
// so the one under the idle replica's watch is among them. The bound is wide:
// round_robin may reopen the watch on the hung member again (one time in
// three), and each such round costs about a second.
TEST_F(EtcdReplicasTest,
       ZYCAnIdleReplicaDeliversWhileTheMemberUnderItsWatchHangs) {
  auto idle = OpenReplica(&observer_a_);
  auto writer = OpenReplica(&observer_b_, nullptr, absl::Seconds(10));
  ASSERT_NE(idle, nullptr);
  ASSERT_NE(writer, nullptr);
  EtcdCluster& cluster = SharedEtcdCluster();
  auto delivered_to_idle = [&](int64_t revision) {
    const std::vector<core::ClaimEventPtr> events = observer_a_.events();
    return !events.empty() && events.back()->revision >= revision;
  };
  for (int member = 0; member < cluster.size(); ++member) {
    ASSERT_OK_AND_ASSIGN(
        const core::MutationResult warm,
        writer->Apply(CreateMutation(absl::StrCat("before-", member))));
    for (int i = 0; i < 500 && !delivered_to_idle(warm.event->revision); ++i)
      absl::SleepFor(absl::Milliseconds(20));
    ASSERT_TRUE(delivered_to_idle(warm.event->revision));
    cluster.Stop(member);
    const absl::StatusOr<core::MutationResult> written =
        writer->Apply(CreateMutation(absl::StrCat("while-", member, "-hangs")));
    const absl::Time acknowledged = absl::Now();
    bool delivered = false;
    while (written.ok() && !delivered &&
           absl::Now() - acknowledged < absl::Seconds(8)) {
      absl::SleepFor(absl::Milliseconds(20));
      delivered = delivered_to_idle(written->event->revision);
    }
    const absl::Duration waited = absl::Now() - acknowledged;
    cluster.Continue(member);
    ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
    ASSERT_OK(written) << "member " << member << " hung";
    EXPECT_TRUE(delivered) << "member " << member << " hung: not delivered in "
                           << waited;
  }
}

// One follower hanging leaves a quorum and the leader: the replica stays
// healthy and serves reads. Its health probe, its reads' check of the counter
// and a page of history are each one small etcd call, which round_robin sends
// to each member in turn; one that lands on the hung member gets no answer
// and, sent once with the whole request timeout, would fail (and the probe
// would flip the health to UNAVAILABLE, taking the replica out of service).
// They are sent again on another member after EtcdClient::kAttemptTimeout.
TEST_F(EtcdReplicasTest, ZYBOneMemberHangingLeavesHealthAndReadsAlone) {
  // Shorter than the time the calls below take in all: a call that waited
  // out the hung member would fail.
  auto store = OpenReplica(&observer_a_, nullptr, absl::Seconds(3));
  ASSERT_NE(store, nullptr);
  EtcdCluster& cluster = SharedEtcdCluster();
  ASSERT_OK(store->Apply(CreateMutation("read-while-one-hangs")));
  // (A stopped leader would leave no leader until the others elect one, and
  // then failing is right.)
  ASSERT_OK_AND_ASSIGN(const int leader, cluster.Leader());
  for (int member = 0; member < cluster.size(); ++member) {
    if (member == leader) continue;
    cluster.Stop(member);
    // More calls than members: round_robin sends at least one to it.
    std::vector<absl::Status> probes, reads, pages;
    for (int call = 0; call < 2 * cluster.size(); ++call) {
      probes.push_back(store->ProbeHealth());
      reads.push_back(store->Get("read-while-one-hangs").status());
      core::ListEventsQuery history;
      history.limit = 10;
      pages.push_back(store->ListEvents(history).status());
    }
    cluster.Continue(member);
    ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
    for (size_t call = 0; call < probes.size(); ++call) {
      EXPECT_OK(probes[call]) << "member " << member << " hung, call " << call;
      EXPECT_OK(reads[call]) << "member " << member << " hung, call " << call;
      EXPECT_OK(pages[call]) << "member " << member << " hung, call " << call;
    }
  }
}

// The etcd member under a replica's watch dies (kill -9) while the other two
// keep a quorum: the watch's stream breaks and opens again on another member.
// The replica stays healthy throughout: a broken watch stream says nothing
// about the quorum (before, every break set the health to UNAVAILABLE until
// the next probe, and a run of breaks after an election kept a replica
// NOT_SERVING for seconds while writes succeeded). The member is found by its
// own metrics: the one with a watch stream.
TEST_F(EtcdReplicasTest, ZYDTheMemberUnderTheWatchDyingLeavesHealthAlone) {
  EtcdCluster& cluster = SharedEtcdCluster();
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(const int leader, cluster.Leader());
  // The member whose metrics show a watch stream (-1: none yet).
  auto member_under_watch = [&]() -> absl::StatusOr<int> {
    for (int member = 0; member < cluster.size(); ++member) {
      ASSIGN_OR_RETURN(e2e::Scrape scrape, ScrapeMember(member));
      if (scrape.Value("etcd_debugging_mvcc_watch_stream_total") > 0)
        return member;
    }
    return -1;
  };
  // Killing the leader would leave no leader for a while, when being
  // unhealthy is right: a replica whose watch runs on a follower is wanted.
  // round_robin starts each channel at a random member.
  std::unique_ptr<etcd_store::EtcdClaimStore> store;
  int under_watch = -1;
  for (int attempt = 0; attempt < 20 && under_watch < 0; ++attempt) {
    store = OpenReplica(&observer_a_);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->Apply(CreateMutation(absl::StrCat("watched-", attempt))));
    ASSERT_OK_AND_ASSIGN(under_watch, member_under_watch());
    if (under_watch == leader) {
      store->Close();
      store.reset();
      under_watch = -1;
      absl::SleepFor(absl::Milliseconds(200));  // the stream's gauge drops
    }
  }
  ASSERT_GE(under_watch, 0) << "the watch ran on the leader every time";
  cluster.Kill(under_watch);
  std::vector<std::string> unhealthy;
  for (int sample = 0; sample < 150; ++sample) {  // 3 s
    const absl::Status health = store->Health();
    if (!health.ok()) unhealthy.push_back(health.ToString());
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_OK(store->Apply(CreateMutation("while-a-member-is-down")));
  ASSERT_OK(cluster.Restart(under_watch));
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  EXPECT_THAT(unhealthy, ::testing::IsEmpty())
      << "member " << under_watch << " killed";
  EXPECT_OK(store->Get("while-a-member-is-down"));
}

// Raises or clears etcd's NOSPACE alarm on the member at `endpoint`, as etcd
// does itself when its database reaches --quota-backend-bytes.
absl::Status SetNoSpaceAlarm(const std::string& endpoint, bool raised) {
  auto channel =
      grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials());
  etcdserverpb::RangeRequest any;
  any.set_key("/");
  any.set_count_only(true);
  etcdserverpb::RangeResponse header;
  grpc::ClientContext range_context;
  range_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::Status status =
      etcdserverpb::KV::NewStub(channel)->Range(&range_context, any, &header);
  if (!status.ok()) return etcd_store::EtcdClient::FromGrpc(status, "Range");
  etcdserverpb::AlarmRequest alarm;
  alarm.set_action(raised ? etcdserverpb::AlarmRequest::ACTIVATE
                          : etcdserverpb::AlarmRequest::DEACTIVATE);
  alarm.set_memberid(header.header().member_id());
  alarm.set_alarm(etcdserverpb::NOSPACE);
  etcdserverpb::AlarmResponse answer;
  grpc::ClientContext alarm_context;
  alarm_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  status = etcdserverpb::Maintenance::NewStub(channel)->Alarm(&alarm_context,
                                                              alarm, &answer);
  return etcd_store::EtcdClient::FromGrpc(status, "Alarm");
}

// etcd out of space (its NOSPACE alarm) refuses every write until an
// operator frees space. claimd answers RESOURCE_EXHAUSTED "not applied", with
// what to do, at once: before, it resent for twice the request timeout and
// answered UNAVAILABLE "may or may not have been applied", which a client
// retries for ever. Reads go on; writes commit again once the alarm is gone.
TEST_F(EtcdReplicasTest, AnEtcdOutOfSpaceRefusesWritesAsNotApplied) {
  auto store = OpenReplica(&observer_a_);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(CreateMutation("before")));
  const std::string endpoint = SharedEtcdCluster().endpoints()[0];
  ASSERT_OK(SetNoSpaceAlarm(endpoint, true));
  const absl::Time sent = absl::Now();
  EXPECT_THAT(store->Apply(CreateMutation("refused")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       ::testing::AllOf(::testing::HasSubstr("not applied"),
                                        ::testing::HasSubstr("alarm disarm"))));
  EXPECT_LT(absl::Now() - sent, absl::Seconds(5))
      << "the refusal waited for the request timeout";
  EXPECT_OK(store->Get("before"));
  ASSERT_OK(SetNoSpaceAlarm(endpoint, false));
  ASSERT_OK(store->Apply(CreateMutation("after")));
  EXPECT_THAT(store->Get("refused"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Revisions(observer_a_.events()), ElementsAre(1, 2));
}

// SIGSTOP of two of three members: no quorum. Writes and reads fail
// UNAVAILABLE (never a false OK) and health says so, at once once the quorum
// has been gone for 5 s; after SIGCONT both recover. Runs last in this file: it disturbs the shared cluster.
TEST_F(EtcdReplicasTest, ZZNoQuorumFailsWritesUnavailableThenRecovers) {
  auto store = OpenReplica(&observer_a_, nullptr, absl::Seconds(2));
  ASSERT_NE(store, nullptr);
  // A replica whose requests may wait 60 s: its health probe still gives up
  // after its own 2 s, so that a replica without a quorum does not stay
  // SERVING for as long as a request may wait.
  auto patient = OpenReplica(&observer_b_, nullptr, absl::Seconds(60));
  ASSERT_NE(patient, nullptr);
  ASSERT_OK(store->Apply(CreateMutation("before")));
  EtcdCluster& cluster = SharedEtcdCluster();
  cluster.Stop(0);
  cluster.Stop(1);
  const absl::Time stopped = absl::Now();
  EXPECT_THAT(store->Apply(CreateMutation("during")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store->ProbeHealth(), StatusIs(absl::StatusCode::kUnavailable));
  const absl::Time probe_started = absl::Now();
  EXPECT_THAT(patient->ProbeHealth(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - probe_started, absl::Seconds(30))
      << "the probe waited for the request timeout, not its own";
  EXPECT_THAT(patient->Health(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store->Get("before"), StatusIs(absl::StatusCode::kUnavailable));
  // Once the quorum has been gone for longer than an election takes (5 s),
  // the patient replica refuses a write and a read at once, the write as not
  // applied, instead of letting each wait out its 60 s request timeout (the
  // write twice over).
  absl::SleepFor(stopped + absl::Seconds(6) - absl::Now());
  const absl::Time refused_at = absl::Now();
  EXPECT_THAT(patient->Apply(CreateMutation("refused")),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::HasSubstr("not applied")));
  EXPECT_THAT(patient->Get("before"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - refused_at, absl::Seconds(30))
      << "a write and a read waited for the request timeout";
  cluster.Continue(0);
  cluster.Continue(1);
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  // The failed write may or may not have landed (its outcome was unknown);
  // a new one commits at the next revision either way.
  for (core::ClaimStore* replica : {store.get(), patient.get()}) {
    absl::Status healthy = absl::UnavailableError("not probed");
    for (int i = 0; i < 100 && !healthy.ok(); ++i) {
      healthy = replica->ProbeHealth();
      if (!healthy.ok()) absl::SleepFor(absl::Milliseconds(100));
    }
    EXPECT_OK(healthy);
  }
  ASSERT_OK(patient->Apply(CreateMutation("after-patient")));
  patient.reset();
  ASSERT_OK(store->Apply(CreateMutation("after")));
  EXPECT_OK(store->Get("before"));
  EXPECT_OK(store->Get("after"));
  EXPECT_OK(store->Get("after-patient"));
  // Refused as not applied, and indeed not applied.
  EXPECT_THAT(store->Get("refused"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace claimd::testing
