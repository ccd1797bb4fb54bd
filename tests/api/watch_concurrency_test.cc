// Integration tests of WatchClaims under concurrency: replay and snapshots
// while writers run, many watchers, shutdown and resumption after a restart,
// client cancels and a watcher that never reads. Writers run a fixed number of
// mutations and every wait is bounded.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/api/api_matchers.h"
#include "tests/api/claim_writer.h"
#include "tests/api/test_server.h"
#include "tests/api/watch_stream.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using ::claims::v1::Claim;
using ::claims::v1::ClaimEvent;
using ::claims::v1::WatchClaimsResponse;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr auto kConfirmed = claims::v1::VERIFICATION_STATUS_CONFIRMED;

// The number after "start_revision=" in `message`, or -1.
int64_t ResumeRevision(const std::string& message) {
  const std::string kKey = "start_revision=";
  size_t at = message.find(kKey);
  if (at == std::string::npos) return -1;
  size_t begin = at + kKey.size();
  size_t end = begin;
  while (end < message.size() && message[end] >= '0' && message[end] <= '9')
    ++end;
  int64_t revision = -1;
  if (!absl::SimpleAtoi(message.substr(begin, end - begin), &revision))
    return -1;
  return revision;
}

// Folds events into claim state by name; counts events that contradict the
// state (a CREATED of a claim already there, a change of a missing claim, a
// revision that does not move forward).
struct Replayed {
  std::map<std::string, Claim> claims;
  int contradictions = 0;

  void Apply(const ClaimEvent& event) {
    const std::string& name = event.claim().name();
    auto it = claims.find(name);
    switch (event.type()) {
      // Both introduce the claim: seeing it already is a contradiction.
      case claims::v1::EVENT_TYPE_SNAPSHOT:
      case claims::v1::EVENT_TYPE_CREATED:
        if (it != claims.end()) ++contradictions;
        claims[name] = event.claim();
        break;
      case claims::v1::EVENT_TYPE_STATUS_CHANGED:
      case claims::v1::EVENT_TYPE_EVIDENCE_ADDED:
        if (it == claims.end() ||
            it->second.revision() >= event.claim().revision()) {
          ++contradictions;
        }
        claims[name] = event.claim();
        break;
      case claims::v1::EVENT_TYPE_DELETED:
        if (it == claims.end()) ++contradictions;
        claims.erase(name);
        break;
      default:
        ++contradictions;
    }
  }
};

absl::StatusOr<std::unique_ptr<TestServer>> StartWithCache(size_t max_events) {
  TestServerOptions options;
  options.hub.max_events = max_events;
  return TestServer::Start(options);
}

TEST(WatchClaims, ManyWatchersEachGetEveryEventOnce) {
  constexpr int kWatchers = 20;
  constexpr int kEvents = 100;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  std::vector<std::unique_ptr<WatchStream>> watches;
  watches.reserve(kWatchers);
  for (int i = 0; i < kWatchers; ++i) {
    watches.push_back(
        std::make_unique<WatchStream>(server->stub(), WatchFrom(1)));
  }
  ClaimWriter writer(*server, "w", kEvents);
  writer.Join();
  ASSERT_EQ(writer.failures(), 0) << writer.first_error();
  for (int i = 0; i < kWatchers; ++i) {
    SCOPED_TRACE(i);
    std::vector<ClaimEvent> events;
    ASSERT_TRUE(watches[i]->ReadThrough(kEvents, &events));
    EXPECT_THAT(Revisions(events), ElementsAreArray(Range(1, kEvents)));
  }
}

// ------------------------------------------- replay and snapshot under writes

class WatchUnderWrites : public ::testing::TestWithParam<size_t> {};

// Watch cache sizes: big enough for everything, and tiny (8 events) so that
// watchers keep falling back to the store while writers run.
INSTANTIATE_TEST_SUITE_P(CacheSizes, WatchUnderWrites,
                         ::testing::Values(size_t{100000}, size_t{8}),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return info.param > 8 ? std::string("LargeCache")
                                                 : std::string("TinyCache");
                         });

TEST_P(WatchUnderWrites, FromRevisionReplaysHistoryThenLiveExactlyOnce) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       StartWithCache(GetParam()));
  ClaimStub& stub = server->stub();
  {
    ClaimWriter before(*server, "pre", 50);
    before.Join();
    ASSERT_EQ(before.failures(), 0) << before.first_error();
  }
  constexpr int64_t kStart = 20;
  ClaimWriter first(*server, "one", 250);
  ClaimWriter second(*server, "two", 250);
  ASSERT_TRUE(first.WaitForProgress(20));
  WatchStream watch(stub, WatchFrom(kStart));
  first.Join();
  second.Join();
  ASSERT_EQ(first.failures() + second.failures(), 0)
      << first.first_error() << second.first_error();
  ASSERT_OK_AND_ASSIGN(int64_t last, CurrentRevision(stub));
  ASSERT_EQ(last, 550);

  std::vector<ClaimEvent> events;
  ASSERT_TRUE(watch.ReadThrough(last, &events, absl::Seconds(15)))
      << "stopped at revision " << watch.last_revision() << " after "
      << events.size() << " events";
  ASSERT_THAT(Revisions(events), ElementsAreArray(Range(kStart, last)));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> history, ListAllEvents(stub));
  ASSERT_THAT(history, SizeIs(last));
  for (const ClaimEvent& event : events) {
    ASSERT_THAT(event, EqualsProto(history[event.revision() - 1]));
  }
  // Nothing more than what was written arrives.
  std::optional<WatchClaimsResponse> extra =
      watch.Next(absl::Milliseconds(300));
  if (extra.has_value()) {
    EXPECT_THAT(extra->events(), SizeIs(0));
  }
}

TEST_P(WatchUnderWrites, SnapshotThenLiveReproducesTheFinalState) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       StartWithCache(GetParam()));
  ClaimStub& stub = server->stub();
  {
    ClaimWriter before(*server, "pre", 25);  // 10 claims, some changed
    before.Join();
    ASSERT_EQ(before.failures(), 0) << before.first_error();
  }
  ClaimWriter first(*server, "one", 200);
  ClaimWriter second(*server, "two", 200);
  ASSERT_TRUE(first.WaitForProgress(30));
  WatchStream watch(stub, WatchWithSnapshot());

  Replayed state;
  int64_t snapshot_revision = -1;
  for (int i = 0; i < 100 && snapshot_revision < 0; ++i) {
    std::optional<WatchClaimsResponse> response = watch.Next();
    ASSERT_TRUE(response.has_value()) << "snapshot did not complete";
    for (const ClaimEvent& event : response->events()) {
      ASSERT_EQ(event.type(), claims::v1::EVENT_TYPE_SNAPSHOT);
      ASSERT_EQ(event.revision(), response->revision());
      EXPECT_EQ(event.previous_status(),
                claims::v1::VERIFICATION_STATUS_UNSPECIFIED);
      EXPECT_LE(event.claim().revision(), response->revision());
      state.Apply(event);
    }
    if (response->snapshot_complete()) snapshot_revision = response->revision();
  }
  ASSERT_GE(snapshot_revision, 25);

  first.Join();
  second.Join();
  ASSERT_EQ(first.failures() + second.failures(), 0)
      << first.first_error() << second.first_error();
  ASSERT_OK_AND_ASSIGN(int64_t last, CurrentRevision(stub));
  ASSERT_EQ(last, 425);
  std::vector<ClaimEvent> live;
  ASSERT_TRUE(watch.ReadThrough(last, &live, absl::Seconds(15)))
      << "stopped at revision " << watch.last_revision();
  ASSERT_THAT(Revisions(live),
              ElementsAreArray(Range(snapshot_revision + 1, last)));
  for (const ClaimEvent& event : live) state.Apply(event);
  EXPECT_EQ(state.contradictions, 0);

  ASSERT_OK_AND_ASSIGN(std::vector<Claim> final_claims, ListAllClaims(stub));
  ASSERT_EQ(state.claims.size(), final_claims.size());
  for (const Claim& claim : final_claims) {
    auto it = state.claims.find(claim.name());
    ASSERT_NE(it, state.claims.end()) << claim.name();
    EXPECT_THAT(it->second, EqualsProto(claim));
  }
}

// ---------------------------------------------------- shutdown and resumption

TEST(WatchClaims, ShutdownEndsEveryWatchWithUnavailableAndAResumeRevision) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  for (const char* id : {"a", "b", "c"})
    ASSERT_OK(CreateClaim(stub, id, "x").status());
  ASSERT_OK(UpdateClaimStatus(stub, "claims/a", kConfirmed, "s").status());
  std::vector<std::unique_ptr<WatchStream>> watches;
  watches.push_back(std::make_unique<WatchStream>(stub, WatchFrom(0)));
  watches.push_back(
      std::make_unique<WatchStream>(stub, WatchFrom(1, "status = DENIED")));
  watches.push_back(std::make_unique<WatchStream>(stub, WatchWithSnapshot()));
  for (auto& watch : watches) {
    std::vector<ClaimEvent> ignored;
    ASSERT_TRUE(watch->ReadThrough(4, &ignored));
  }

  absl::Time start = absl::Now();
  server->Shutdown(absl::Seconds(4));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2))
      << "Shutdown waited for watches that should have ended at once";
  for (size_t i = 0; i < watches.size(); ++i) {
    SCOPED_TRACE(i);
    std::optional<grpc::Status> end = watches[i]->WaitForEnd();
    ASSERT_TRUE(end.has_value()) << "the watch did not end";
    EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAVAILABLE)
        << end->error_message();
    EXPECT_THAT(end->error_message(), HasSubstr("start_revision="));
    EXPECT_EQ(ResumeRevision(end->error_message()), 5) << end->error_message();
  }
}

TEST(WatchClaims, ResumesAfterARestartWithoutGapsOrDuplicates) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  for (int i = 0; i < 5; ++i)
    ASSERT_OK(CreateClaim(server->stub(), absl::StrCat("c", i), "x").status());
  int64_t resume = 0;
  {
    WatchStream watch(server->stub(), WatchFrom(1));
    std::vector<ClaimEvent> events;
    ASSERT_TRUE(watch.ReadThrough(5, &events));
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(UpdateClaimStatus(server->stub(), absl::StrCat("claims/c", i),
                                  kConfirmed, "s")
                    .status());
    }
    ASSERT_TRUE(watch.ReadThrough(8, &events));
    ASSERT_THAT(Revisions(events), ElementsAreArray(Range(1, 8)));
    server->Shutdown(absl::Seconds(2));
    std::optional<grpc::Status> end = watch.WaitForEnd();
    ASSERT_TRUE(end.has_value());
    EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAVAILABLE);
    resume = ResumeRevision(end->error_message());
    EXPECT_EQ(resume, watch.last_revision() + 1) << end->error_message();
  }
  ASSERT_EQ(resume, 9);

  ASSERT_OK(server->Restart());
  ClaimStub& stub = server->stub();
  ASSERT_THAT(CurrentRevision(stub), IsOkAndHolds(8));
  ASSERT_OK(CreateClaim(stub, "after1", "x").status());  // 9
  ASSERT_OK(CreateClaim(stub, "after2", "x").status());  // 10

  WatchStream resumed(stub, WatchFrom(resume));
  WatchStream older(stub, WatchFrom(3));  // needs the store: cache is fresh
  std::vector<ClaimEvent> resumed_events;
  std::vector<ClaimEvent> older_events;
  ASSERT_TRUE(resumed.ReadThrough(10, &resumed_events));
  ASSERT_TRUE(older.ReadThrough(10, &older_events));
  ASSERT_OK(DeleteClaim(stub, "claims/c4"));  // 11, live
  ASSERT_TRUE(resumed.ReadThrough(11, &resumed_events));
  ASSERT_TRUE(older.ReadThrough(11, &older_events));
  EXPECT_THAT(Revisions(resumed_events), ElementsAre(9, 10, 11));
  EXPECT_THAT(EventClaimNames(resumed_events),
              ElementsAre("claims/after1", "claims/after2", "claims/c4"));
  EXPECT_THAT(Revisions(older_events), ElementsAreArray(Range(3, 11)));
}

// ---------------------------------------------------- cancels, slow readers

TEST(WatchClaims, ClientCancelsDoNotHurtTheServer) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  for (int i = 0; i < 300; i += 1) {
    ASSERT_OK(CreateClaim(stub, absl::StrCat("c", i), "x").status());
  }
  WatchStream survivor(stub, WatchFrom(0));
  ASSERT_TRUE(survivor.Next().has_value());

  // Cancel at every stage: waiting at the head, mid-history, mid-snapshot,
  // and before the first response.
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE(round);
    std::vector<std::unique_ptr<WatchStream>> watches;
    watches.push_back(std::make_unique<WatchStream>(stub, WatchFrom(0)));
    watches.push_back(std::make_unique<WatchStream>(stub, WatchFrom(1)));
    watches.push_back(std::make_unique<WatchStream>(stub, WatchWithSnapshot()));
    if (round % 2 == 0) {
      for (auto& watch : watches) ASSERT_TRUE(watch->Next().has_value());
    }
    for (auto& watch : watches) watch->Cancel();
    for (auto& watch : watches) {
      std::optional<grpc::Status> end = watch->WaitForEnd();
      ASSERT_TRUE(end.has_value()) << "a cancelled watch did not end";
      EXPECT_EQ(end->error_code(), grpc::StatusCode::CANCELLED);
    }
  }

  ASSERT_OK_AND_ASSIGN(Claim claim, CreateClaim(stub, "after", "x"));
  std::vector<ClaimEvent> events;
  ASSERT_TRUE(survivor.ReadThrough(claim.revision(), &events));
  EXPECT_THAT(Revisions(events), ElementsAre(claim.revision()));
  EXPECT_OK(GetClaim(stub, "claims/after").status());

  // Every cancelled reactor is gone: shutdown does not wait out its grace.
  absl::Time start = absl::Now();
  server->Shutdown(absl::Seconds(4));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  std::optional<grpc::Status> end = survivor.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(WatchClaims, AWatcherThatNeverReadsDoesNotBlockWriters) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  constexpr int kEvents = kThreads * kPerThread;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();

  // A raw reader on a connection of its own that is never read from.
  std::unique_ptr<claims::v1::ClaimService::Stub> stalled_stub =
      server->NewStub();
  grpc::ClientContext stalled_context;
  stalled_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  std::unique_ptr<grpc::ClientReader<WatchClaimsResponse>> stalled =
      stalled_stub->WatchClaims(&stalled_context, WatchFrom(1));
  WatchStream reading(stub, WatchFrom(1));

  const std::string padding(1000, 'p');  // about 2 MB of events in all
  absl::Time start = absl::Now();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<claims::v1::ClaimService::Stub> own = server->NewStub();
      for (int i = 0; i < kPerThread; ++i) {
        if (!CreateClaim(*own, absl::StrCat("t", t, "-", i), padding).ok())
          ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LT(took, absl::Seconds(20)) << kEvents << " writes took " << took;

  std::vector<ClaimEvent> events;
  ASSERT_TRUE(reading.ReadThrough(kEvents, &events, absl::Seconds(15)))
      << "the reading watcher stopped at " << reading.last_revision();
  EXPECT_THAT(Revisions(events), ElementsAreArray(Range(1, kEvents)));

  // Shutdown ends the stalled stream after its grace at the latest.
  absl::Time shutdown_start = absl::Now();
  server->Shutdown(absl::Seconds(1));
  EXPECT_LT(absl::Now() - shutdown_start, absl::Seconds(4));
  stalled_context.TryCancel();
  grpc::Status stalled_status = stalled->Finish();
  EXPECT_FALSE(stalled_status.ok());
}

}  // namespace
}  // namespace claimd::testing
