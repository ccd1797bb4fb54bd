// Integration tests of WatchClaims against a real server and store, one
// behaviour at a time: the first response, live events, filters, progress
// messages, snapshots, message sizes, catch-up from the store, trimmed history
// and malformed requests. Every wait is bounded. watch_concurrency_test.cc has
// the tests with concurrent writers, shutdown, restart and cancellation.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/api/api_matchers.h"
#include "tests/api/api_test_fixture.h"
#include "tests/api/claim_writer.h"
#include "tests/api/test_server.h"
#include "tests/api/watch_stream.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using ::claims::v1::Claim;
using ::claims::v1::ClaimEvent;
using ::claims::v1::WatchClaimsRequest;
using ::claims::v1::WatchClaimsResponse;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// --------------------------------------------------------- from now, filters

TEST(WatchClaims, FromNowSendsTheCurrentRevisionAtOnceThenLiveEvents) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  for (const char* id : {"a", "b", "c"})
    ASSERT_OK(CreateClaim(stub, id, "x").status());

  absl::Time opened = absl::Now();
  WatchStream watch(stub, WatchFrom(0));
  std::optional<WatchClaimsResponse> first = watch.Next();
  ASSERT_TRUE(first.has_value()) << "no first response";
  EXPECT_LT(absl::Now() - opened, absl::Seconds(1));
  EXPECT_THAT(first->events(), SizeIs(0));
  EXPECT_EQ(first->revision(), 3);
  EXPECT_FALSE(first->snapshot_complete());

  ASSERT_OK_AND_ASSIGN(Claim d, CreateClaim(stub, "d", "x"));
  ASSERT_OK_AND_ASSIGN(Claim a,
                       UpdateClaimStatus(stub, "claims/a", kConfirmed, "s"));
  std::vector<ClaimEvent> events;
  ASSERT_TRUE(watch.ReadThrough(5, &events));
  ASSERT_THAT(Revisions(events), ElementsAre(4, 5));
  EXPECT_EQ(events[0].type(), claims::v1::EVENT_TYPE_CREATED);
  EXPECT_THAT(events[0].claim(), EqualsProto(d));
  EXPECT_EQ(events[1].type(), claims::v1::EVENT_TYPE_STATUS_CHANGED);
  EXPECT_EQ(events[1].previous_status(), kReported);
  EXPECT_THAT(events[1].claim(), EqualsProto(a));
  EXPECT_EQ(watch.last_revision(), 5);
}

TEST(WatchClaims, FilteredWatchersSeeClaimsEnterAndLeaveTheirFilter) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  WatchStream confirmed(stub, WatchFrom(0, "status = CONFIRMED"));
  WatchStream reported(stub, WatchFrom(0, "status = REPORTED"));
  ASSERT_TRUE(confirmed.Next().has_value());
  ASSERT_TRUE(reported.Next().has_value());

  ASSERT_OK(CreateClaim(stub, "x", "x").status());  // 1: REPORTED
  claims::v1::CreateClaimRequest denied;
  denied.set_claim_id("y");
  denied.mutable_claim()->set_statement("y");
  denied.mutable_claim()->set_status(kDenied);
  ASSERT_OK(CreateClaim(stub, denied).status());  // 2: DENIED, nobody's
  ASSERT_OK(
      UpdateClaimStatus(stub, "claims/x", kConfirmed, "s").status());     // 3
  ASSERT_OK(UpdateClaimStatus(stub, "claims/y", kDenied, "s").status());  // 4
  ASSERT_OK(CreateClaim(stub, "z", "z").status());                        // 5
  ASSERT_OK(
      UpdateClaimStatus(stub, "claims/z", kConfirmed, "s").status());  // 6
  ASSERT_OK(DeleteClaim(stub, "claims/x"));                            // 7

  std::vector<ClaimEvent> got_confirmed;
  std::vector<ClaimEvent> got_reported;
  ASSERT_TRUE(confirmed.ReadThrough(7, &got_confirmed));
  ASSERT_TRUE(reported.ReadThrough(7, &got_reported));
  // The delete of a CONFIRMED claim is the CONFIRMED watcher's business too.
  EXPECT_THAT(Revisions(got_confirmed), ElementsAre(3, 6, 7));
  EXPECT_THAT(EventClaimNames(got_confirmed),
              ElementsAre("claims/x", "claims/z", "claims/x"));
  EXPECT_EQ(got_confirmed[2].type(), claims::v1::EVENT_TYPE_DELETED);
  // x and z leave the REPORTED filter at 3 and 6: those changes are delivered.
  EXPECT_THAT(Revisions(got_reported), ElementsAre(1, 3, 5, 6));
  EXPECT_THAT(EventTypes(got_reported),
              ElementsAre(claims::v1::EVENT_TYPE_CREATED,
                          claims::v1::EVENT_TYPE_STATUS_CHANGED,
                          claims::v1::EVENT_TYPE_CREATED,
                          claims::v1::EVENT_TYPE_STATUS_CHANGED));
  EXPECT_EQ(got_reported[1].claim().status(), kConfirmed);
  EXPECT_EQ(got_reported[1].previous_status(), kReported);
  // The server says which of them the claim left the filter by, so a client
  // need not evaluate the filter itself. A deletion is not listed (it removes
  // the claim anyway), nor a change after which the claim still matches.
  EXPECT_THAT(reported.left_filter_revisions(), ElementsAre(3, 6));
  EXPECT_THAT(confirmed.left_filter_revisions(), ElementsAre());

  // A watch resumed from history says the same, and an unfiltered one never
  // lists anything.
  WatchStream resumed(stub, WatchFrom(1, "status = REPORTED"));
  WatchStream everything(stub, WatchFrom(1));
  std::vector<ClaimEvent> got_resumed;
  std::vector<ClaimEvent> got_everything;
  ASSERT_TRUE(resumed.ReadThrough(7, &got_resumed));
  ASSERT_TRUE(everything.ReadThrough(7, &got_everything));
  EXPECT_THAT(Revisions(got_resumed), ElementsAre(1, 3, 5, 6));
  EXPECT_THAT(resumed.left_filter_revisions(), ElementsAre(3, 6));
  EXPECT_THAT(Revisions(got_everything), ElementsAre(1, 2, 3, 4, 5, 6, 7));
  EXPECT_THAT(everything.left_filter_revisions(), ElementsAre());
}

TEST(WatchClaims, IdleWatchersGetProgressMessages) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  ASSERT_OK(CreateClaim(stub, "a", "x").status());
  WatchStream idle(stub, WatchFrom(0));
  WatchStream filtered(stub, WatchFrom(0, "status = DENIED"));
  std::optional<WatchClaimsResponse> first = idle.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->revision(), 1);
  ASSERT_TRUE(filtered.Next().has_value());

  // progress_interval is 200 ms: another message well within 2 s.
  std::optional<WatchClaimsResponse> progress = idle.Next(absl::Seconds(2));
  ASSERT_TRUE(progress.has_value()) << "no progress message within 2 s";
  EXPECT_THAT(progress->events(), SizeIs(0));
  EXPECT_EQ(progress->revision(), 1);

  // A change the filter skips still moves the filtered stream's revision on.
  ASSERT_OK(CreateClaim(stub, "b", "x").status());  // 2, REPORTED
  absl::Time deadline = absl::Now() + absl::Seconds(2);
  bool covered = false;
  while (!covered && absl::Now() < deadline) {
    std::optional<WatchClaimsResponse> response =
        filtered.Next(deadline - absl::Now());
    if (!response.has_value()) break;
    EXPECT_THAT(response->events(), SizeIs(0));
    covered = response->revision() == 2;
  }
  EXPECT_TRUE(covered) << "no progress to revision 2 within 2 s; last was "
                       << filtered.last_revision();
}

TEST(WatchClaims, EvidenceCountFilterSeesTheClaimLeave) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  WatchStream bare(stub, WatchFrom(0, "evidence_count = 0"));
  ASSERT_TRUE(bare.Next().has_value());
  ASSERT_OK(CreateClaim(stub, "a", "x").status());                          // 1
  ASSERT_OK(UpdateClaimStatus(stub, "claims/a", kReported, "s").status());  // 2
  ASSERT_OK(UpdateClaimStatus(stub, "claims/a", kDenied, "s").status());    // 3
  std::vector<ClaimEvent> events;
  ASSERT_TRUE(bare.ReadThrough(3, &events));
  // 2 moves the claim out of the filter (0 -> 1 evidence); 3 is none of its
  // business any more.
  EXPECT_THAT(Revisions(events), ElementsAre(1, 2));
  EXPECT_THAT(bare.left_filter_revisions(), ElementsAre(2));
}

TEST(WatchClaims, LargeSnapshotsComeInChunks) {
  TestServerOptions options;
  options.server.watch.snapshot_claims_per_message = 50;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  ClaimStub& stub = server->stub();
  for (int i = 0; i < 120; ++i)
    ASSERT_OK(CreateClaim(stub, absl::StrCat("c", 1000 + i), "x").status());
  WatchStream watch(stub, WatchWithSnapshot());
  std::vector<int> sizes;
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) {
    std::optional<WatchClaimsResponse> response = watch.Next();
    ASSERT_TRUE(response.has_value());
    sizes.push_back(response->events_size());
    for (const ClaimEvent& event : response->events())
      names.push_back(event.claim().name());
    EXPECT_EQ(response->revision(), 120);
    EXPECT_EQ(response->snapshot_complete(), names.size() == 120);
    if (response->snapshot_complete()) break;
  }
  EXPECT_THAT(sizes, ElementsAre(50, 50, 20));
  std::vector<std::string> expected;
  expected.reserve(120);
  for (int i = 0; i < 120; ++i)
    expected.push_back(absl::StrCat("claims/c", 1000 + i));
  EXPECT_THAT(names, ElementsAreArray(expected));
}

// Claims within every documented limit can be about 2.7 MB each (256 pieces
// of evidence with a full quote, note and url). Every watch message must still
// fit the 4 MiB a default gRPC client accepts.
TEST(WatchClaims, MessagesOfLargeClaimsFitTheDefaultClientLimit) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  for (const auto& [id, evidence_count] :
       std::vector<std::pair<std::string, int>>{{"a", 185}, {"b", 256}}) {
    claims::v1::CreateClaimRequest request;
    request.set_claim_id(id);
    request.mutable_claim()->set_statement("large");
    for (int i = 0; i < evidence_count; ++i) {
      claims::v1::Evidence* evidence = request.mutable_claim()->add_evidence();
      evidence->set_source(std::string(256, 's'));
      evidence->set_actor(std::string(256, 'a'));
      evidence->set_url(std::string(2048, 'u'));
      evidence->set_quote(std::string(4096, 'q'));
      evidence->set_note(std::string(4096, 'n'));
    }
    ASSERT_OK(CreateClaim(stub, request).status());
  }
  {
    WatchStream replay(stub, WatchFrom(1));
    std::vector<ClaimEvent> events;
    EXPECT_TRUE(replay.ReadThrough(2, &events));
    EXPECT_THAT(Revisions(events), ElementsAre(1, 2));
  }
  WatchStream snapshot(stub, WatchWithSnapshot());
  std::vector<ClaimEvent> events;
  bool complete = false;
  while (!complete) {
    std::optional<WatchClaimsResponse> response = snapshot.Next();
    if (!response.has_value()) break;
    for (const ClaimEvent& event : response->events()) events.push_back(event);
    complete = response->snapshot_complete();
  }
  std::optional<grpc::Status> end = snapshot.WaitForEnd(absl::ZeroDuration());
  EXPECT_TRUE(complete) << "snapshot ended with "
                        << (end.has_value() ? end->error_message() : "nothing");
  EXPECT_THAT(EventClaimNames(events), ElementsAre("claims/a", "claims/b"));
}

class WatchMessageBytes : public ::testing::TestWithParam<size_t> {};

INSTANTIATE_TEST_SUITE_P(CacheSizes, WatchMessageBytes,
                         ::testing::Values(size_t{100000}, size_t{8}),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return info.param > 8 ? std::string("LargeCache")
                                                 : std::string("TinyCache");
                         });

// Past the first event, a message holds about max_bytes_per_message: big
// events are split over several messages, none lost or repeated.
TEST_P(WatchMessageBytes, BigEventsAreSplitAcrossMessages) {
  TestServerOptions options;
  options.hub.max_events = GetParam();
  options.server.watch.max_bytes_per_message = 3000;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  ClaimStub& stub = server->stub();
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK(CreateClaim(stub, absl::StrCat("c", i), std::string(1000, 'x'))
                  .status());
  }
  WatchStream watch(stub, WatchFrom(1));
  std::vector<ClaimEvent> events;
  int largest = 0;
  for (int i = 0; i < 200 && watch.last_revision() < 40; ++i) {
    std::optional<WatchClaimsResponse> response = watch.Next();
    ASSERT_TRUE(response.has_value())
        << "stopped at revision " << watch.last_revision();
    largest = std::max(largest, response->events_size());
    if (response->events_size() > 0) {
      EXPECT_EQ(response->revision(),
                response->events(response->events_size() - 1).revision())
          << "a split message must not claim more than it carries";
    }
    for (const ClaimEvent& event : response->events()) events.push_back(event);
  }
  EXPECT_THAT(Revisions(events), ElementsAreArray(Range(1, 40)));
  EXPECT_LE(largest, 3);
}

TEST(WatchClaims, SnapshotHonoursTheFilterAndAnEmptyStore) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  {
    WatchStream empty(stub, WatchWithSnapshot());
    std::optional<WatchClaimsResponse> only = empty.Next();
    ASSERT_TRUE(only.has_value());
    EXPECT_TRUE(only->snapshot_complete());
    EXPECT_THAT(only->events(), SizeIs(0));
    EXPECT_EQ(only->revision(), 0);
  }
  for (const char* id : {"a", "b", "c", "d"})
    ASSERT_OK(CreateClaim(stub, id, "x").status());
  ASSERT_OK(UpdateClaimStatus(stub, "claims/b", kConfirmed, "s").status());
  ASSERT_OK(UpdateClaimStatus(stub, "claims/d", kConfirmed, "s").status());

  // start_revision is ignored with initial_snapshot.
  WatchClaimsRequest request = WatchWithSnapshot("status = CONFIRMED");
  request.set_start_revision(2);
  WatchStream watch(stub, request);
  std::vector<ClaimEvent> snapshot;
  ASSERT_TRUE(watch.ReadThrough(6, &snapshot));
  EXPECT_THAT(EventClaimNames(snapshot), ElementsAre("claims/b", "claims/d"));
  for (const ClaimEvent& event : snapshot) EXPECT_EQ(event.revision(), 6);

  ASSERT_OK(UpdateClaimStatus(stub, "claims/b", kDenied, "s").status());  // 7
  ASSERT_OK(UpdateClaimStatus(stub, "claims/a", kDenied, "s").status());  // 8
  ASSERT_OK(
      UpdateClaimStatus(stub, "claims/c", kConfirmed, "s").status());  // 9
  std::vector<ClaimEvent> live;
  ASSERT_TRUE(watch.ReadThrough(9, &live));
  EXPECT_THAT(Revisions(live), ElementsAre(7, 9));
}

// ---------------------------------------------------- catch-up, trimmed
// history

TEST(WatchClaims, CatchesUpFromTheStoreWhenTheCacheIsTooSmall) {
  TestServerOptions options;
  options.hub.max_events = 8;
  options.server.watch.catch_up_page = 16;
  options.server.watch.max_events_per_message = 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  ClaimStub& stub = server->stub();
  ClaimWriter writer(*server, "w", 200);
  writer.Join();
  ASSERT_EQ(writer.failures(), 0) << writer.first_error();
  ASSERT_LE(server->hub().CachedEvents(), 8u);

  WatchStream watch(stub, WatchFrom(1));
  std::vector<ClaimEvent> events;
  int responses = 0;
  while (watch.last_revision() < 200) {
    std::optional<WatchClaimsResponse> response = watch.Next();
    ASSERT_TRUE(response.has_value())
        << "stopped at revision " << watch.last_revision();
    ASSERT_LE(response->events_size(), 10);
    for (const ClaimEvent& event : response->events()) events.push_back(event);
    ASSERT_LT(++responses, 1000);
  }
  EXPECT_THAT(Revisions(events), ElementsAreArray(Range(1, 200)));

  // Then live, from the cache.
  ASSERT_OK(CreateClaim(stub, "live", "x").status());
  std::vector<ClaimEvent> live;
  ASSERT_TRUE(watch.ReadThrough(201, &live));
  EXPECT_THAT(Revisions(live), ElementsAre(201));
}

TEST(WatchClaims, FilteredCatchUpFromTheStoreDeliversOnlyMatches) {
  TestServerOptions options;
  options.hub.max_events = 8;
  options.server.watch.catch_up_page = 16;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  ClaimStub& stub = server->stub();
  std::vector<int64_t> expected;
  for (int i = 0; i < 60; ++i) {  // revisions 1..60
    claims::v1::CreateClaimRequest request;
    request.set_claim_id(absl::StrCat("c", 100 + i));
    request.mutable_claim()->set_statement("x");
    (*request.mutable_claim()->mutable_labels())["desk"] =
        i % 5 == 0 ? "world" : "sport";
    ASSERT_OK(CreateClaim(stub, request).status());
    if (i % 5 == 0) expected.push_back(i + 1);
  }
  for (int i = 0; i < 60; i += 5) {  // revisions 61..72
    ASSERT_OK_AND_ASSIGN(
        Claim claim, UpdateClaimStatus(stub, absl::StrCat("claims/c", 100 + i),
                                       kConfirmed, "s"));
    expected.push_back(claim.revision());
  }
  ASSERT_OK(UpdateClaimStatus(stub, "claims/c101", kDenied, "s").status());

  WatchStream watch(stub, WatchFrom(1, "labels.desk = \"world\""));
  std::vector<ClaimEvent> events;
  ASSERT_TRUE(watch.ReadThrough(73, &events))
      << "stopped at revision " << watch.last_revision();
  EXPECT_THAT(Revisions(events), ElementsAreArray(expected));
  for (const ClaimEvent& event : events)
    EXPECT_EQ(event.claim().labels().at("desk"), "world");
}

TEST(WatchClaims, WatchingTrimmedHistoryIsOutOfRange) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  for (int i = 0; i < 10; ++i)
    ASSERT_OK(CreateClaim(stub, absl::StrCat("early", i), "x").status());
  claims::v1::ListClaimEventsRequest early_page;
  early_page.set_parent("claims/-");
  early_page.set_page_size(2);
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimEventsResponse before,
                       ListClaimEvents(stub, early_page));
  ASSERT_FALSE(before.next_page_token().empty());

  ClaimWriter writer(*server, "w", 40);
  writer.Join();
  ASSERT_EQ(writer.failures(), 0) << writer.first_error();
  ASSERT_THAT(CurrentRevision(stub), IsOkAndHolds(50));

  // Trimmed directly, as the compactor would with a retention of 10 (its
  // schedule has its own tests: tests/core/history_compactor_test.cc), so the
  // test waits on no clock.
  ASSERT_OK(server->store().Compact(40));
  claims::v1::ListClaimEventsRequest oldest;
  oldest.set_parent("claims/-");
  oldest.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimEventsResponse first,
                       ListClaimEvents(stub, oldest));
  ASSERT_THAT(first.events(), SizeIs(1));
  ASSERT_EQ(first.events(0).revision(), 41);

  for (int64_t start : {1, 40}) {
    SCOPED_TRACE(start);
    WatchStream watch(stub, WatchFrom(start));
    std::optional<grpc::Status> end = watch.WaitForEnd();
    ASSERT_TRUE(end.has_value()) << "the watch did not end";
    EXPECT_EQ(end->error_code(), grpc::StatusCode::OUT_OF_RANGE)
        << end->error_message();
    EXPECT_THAT(end->error_message(), HasSubstr("initial_snapshot"));
    EXPECT_EQ(watch.Next(absl::ZeroDuration()), std::nullopt)
        << "events before OUT_OF_RANGE";
  }
  // The oldest kept revision still works.
  WatchStream kept(stub, WatchFrom(41));
  std::vector<ClaimEvent> events;
  ASSERT_TRUE(kept.ReadThrough(50, &events));
  EXPECT_THAT(Revisions(events), ElementsAreArray(Range(41, 50)));

  // A page token into trimmed history is OUT_OF_RANGE too.
  early_page.set_page_token(before.next_page_token());
  EXPECT_THAT(ListClaimEvents(stub, early_page),
              StatusIs(absl::StatusCode::kOutOfRange));
}

// ------------------------------------------------------------- bad requests

TEST(WatchClaims, MalformedRequestsAreInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ClaimStub& stub = server->stub();
  struct Case {
    WatchClaimsRequest request;
    std::string message_part;
  };
  std::vector<Case> cases = {
      {WatchFrom(0, "status ="), "column"},
      {WatchFrom(0, "labels.desk = \"world"), "column"},
      {WatchWithSnapshot("(status = CONFIRMED"), "column"},
      {WatchFrom(-1), "start_revision"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.request.ShortDebugString());
    WatchStream watch(stub, c.request);
    std::optional<grpc::Status> end = watch.WaitForEnd();
    ASSERT_TRUE(end.has_value()) << "the watch did not end";
    EXPECT_EQ(end->error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << end->error_message();
    EXPECT_THAT(end->error_message(), HasSubstr(c.message_part));
  }
  EXPECT_OK(CreateClaim(stub, "still-up", "x").status());
}

}  // namespace
}  // namespace claimd::testing
