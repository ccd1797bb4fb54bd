// The etcd backend against a real 3-member etcd cluster: the store conformance
// suite (as for SQLite), and what only replicas can show: two stores on one
// prefix are two claimd replicas.
#include "service/etcd_store/etcd_claim_store.h"

#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/limits.h"
#include "service/core/mutation.h"
#include "tests/e2e/http_get.h"
#include "tests/etcd/etcd_test_environment.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

using core::VerificationStatus;
using ::testing::ElementsAreArray;

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
      absl::Duration request_timeout = absl::ZeroDuration()) {
    etcd_store::EtcdStoreOptions options =
        EtcdOptions(absl::StrCat(dir_.path(), "/"));
    options.observer = observer;
    options.etcd_metrics = etcd_metrics;
    if (request_timeout > absl::ZeroDuration())
      options.connect.request_timeout = request_timeout;
    absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
        etcd_store::EtcdClaimStore::Open(std::move(options));
    EXPECT_OK(store);
    return store.ok() ? *std::move(store) : nullptr;
  }

  TempDir dir_;
  RecordingObserver observer_a_, observer_b_;
};

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

// Every field at the contract's limit: 256 pieces of evidence of about 10.7
// KiB each (2.7 MiB), more than one etcd request may carry (1.5 MiB).
TEST_F(EtcdReplicasTest, AClaimAtTheContractsSizeLimitsCommits) {
  auto a = OpenReplica(&observer_a_);
  auto b = OpenReplica(&observer_b_);
  ASSERT_NE(b, nullptr);
  core::CreateClaim create;
  create.claim.id = "huge";
  create.claim.statement = std::string(core::kMaxStatementBytes, 's');
  for (size_t i = 0; i < core::kMaxLabels; ++i) {
    create.claim.labels[absl::StrCat("k", i)] =
        std::string(core::kMaxLabelValueBytes, 'v');
  }
  for (size_t i = 0; i + 1 < core::kMaxEvidencePerClaim; ++i) {
    core::Evidence evidence;
    evidence.source = std::string(core::kMaxSourceBytes, 'o');
    evidence.url =
        "https://example.com/" + std::string(core::kMaxUrlBytes - 20, 'u');
    evidence.quote = std::string(core::kMaxQuoteBytes, 'q');
    evidence.note = std::string(core::kMaxNoteBytes, 'n');
    evidence.actor = std::string(core::kMaxActorBytes, 'a');
    create.claim.evidence.push_back(std::move(evidence));
  }
  core::Mutation mutation{create, ""};
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

// What the members have sent their clients, in bytes (etcd's own counter).
int64_t EtcdSentBytes() {
  int64_t total = 0;
  for (const std::string& endpoint : SharedEtcdCluster().endpoints()) {
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(
        absl::string_view(endpoint).substr(endpoint.rfind(':') + 1), &port));
    absl::StatusOr<e2e::HttpResponse> scrape = e2e::HttpGet(port, "/metrics");
    EXPECT_OK(scrape);
    if (!scrape.ok()) continue;
    for (absl::string_view line : absl::StrSplit(scrape->body, '\n')) {
      if (!absl::ConsumePrefix(&line,
                               "etcd_network_client_grpc_sent_bytes_total "))
        continue;
      double value = 0;
      EXPECT_TRUE(absl::SimpleAtod(line, &value)) << line;
      total += static_cast<int64_t>(value);
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

// SIGSTOP of two of three members: no quorum. Writes and reads fail
// UNAVAILABLE (never a false OK) and health says so; after SIGCONT both
// recover. Runs last in this file: it disturbs the shared cluster.
TEST_F(EtcdReplicasTest, ZZNoQuorumFailsWritesUnavailableThenRecovers) {
  auto store = OpenReplica(&observer_a_, nullptr, absl::Seconds(2));
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(CreateMutation("before")));
  EtcdCluster& cluster = SharedEtcdCluster();
  cluster.Stop(0);
  cluster.Stop(1);
  EXPECT_THAT(store->Apply(CreateMutation("during")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store->ProbeHealth(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store->Get("before"), StatusIs(absl::StatusCode::kUnavailable));
  cluster.Continue(0);
  cluster.Continue(1);
  ASSERT_OK(cluster.WaitHealthy(absl::Seconds(60)));
  // The failed write may or may not have landed (its outcome was unknown);
  // a new one commits at the next revision either way.
  absl::Status healthy = absl::UnavailableError("not probed");
  for (int i = 0; i < 100 && !healthy.ok(); ++i) {
    healthy = store->ProbeHealth();
    if (!healthy.ok()) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_OK(healthy);
  ASSERT_OK(store->Apply(CreateMutation("after")));
  EXPECT_OK(store->Get("before"));
  EXPECT_OK(store->Get("after"));
}

}  // namespace
}  // namespace claimd::testing
