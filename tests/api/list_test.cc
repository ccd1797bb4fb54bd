// Integration tests of ListClaims and ListClaimEvents against a real server
// and a real SQLite store: pagination, page sizes, filters, page tokens, the
// revision a page was read at, response size limits, and listings racing
// history compaction.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/api/api_matchers.h"
#include "tests/api/api_test_fixture.h"
#include "tests/api/test_server.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using ::claims::v1::Claim;
using ::claims::v1::ClaimEvent;
using ::claims::v1::CreateClaimRequest;
using ::claims::v1::ListClaimEventsRequest;
using ::claims::v1::ListClaimsRequest;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

class ListApiTest : public ApiTest {};

// ----------------------------------------------------------------- ListClaims

TEST_F(ListApiTest, ListPagesVisitEveryClaimOnceInNameOrder) {
  CreateAll({"e", "b", "d", "a", "c"});
  ListClaimsRequest request;
  request.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  for (; pages < 10; ++pages) {
    ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse page,
                         ListClaims(stub(), request));
    EXPECT_LE(page.claims_size(), 2);
    for (const Claim& claim : page.claims()) seen.push_back(claim.name());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_LE(pages + 1, 4) << "5 claims in pages of 2";
  EXPECT_THAT(seen, ElementsAre("claims/a", "claims/b", "claims/c", "claims/d",
                                "claims/e"));
}

TEST_F(ListApiTest, ListPageSizeDefaultsTo100AndIsClampedTo1000) {
  constexpr int kClaims = 1005;
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kClaims; i += kThreads) {
        if (!CreateClaim(stub(), absl::StrCat("c", 10000 + i), "x").ok())
          ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  ListClaimsRequest request;
  request.set_page_size(0);
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse by_default,
                       ListClaims(stub(), request));
  EXPECT_THAT(by_default.claims(), SizeIs(100));
  EXPECT_FALSE(by_default.next_page_token().empty());

  request.set_page_size(5000);
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse clamped,
                       ListClaims(stub(), request));
  EXPECT_THAT(clamped.claims(), SizeIs(1000));
  EXPECT_FALSE(clamped.next_page_token().empty());
  request.set_page_token(clamped.next_page_token());
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse rest,
                       ListClaims(stub(), request));
  EXPECT_THAT(rest.claims(), SizeIs(5));
  EXPECT_TRUE(rest.next_page_token().empty());
  EXPECT_EQ(rest.claims(4).name(), absl::StrCat("claims/c", 10000 + 1004));
}

TEST_F(ListApiTest, NegativePageSizeIsInvalidArgumentForBothLists) {
  CreateAll({"a"});
  ListClaimsRequest claims_request;
  claims_request.set_page_size(-1);
  EXPECT_THAT(ListClaims(stub(), claims_request),
              StatusIs(kInvalid, HasSubstr("page_size")));

  ListClaimEventsRequest events_request;
  events_request.set_parent("claims/-");
  events_request.set_page_size(-5);
  EXPECT_THAT(ListClaimEvents(stub(), events_request),
              StatusIs(kInvalid, HasSubstr("page_size")));

  // The same requests with 0 are served with the default size.
  claims_request.set_page_size(0);
  EXPECT_OK(ListClaims(stub(), claims_request));
  events_request.set_page_size(0);
  EXPECT_OK(ListClaimEvents(stub(), events_request));
}

TEST_F(ListApiTest, ListFiltersByStatusAndLabel) {
  auto create = [&](const std::string& id, const std::string& desk) {
    CreateClaimRequest request;
    request.set_claim_id(id);
    request.mutable_claim()->set_statement("statement " + id);
    if (!desk.empty())
      (*request.mutable_claim()->mutable_labels())["desk"] = desk;
    return CreateClaim(stub(), request).status();
  };
  ASSERT_OK(create("a", "world"));
  ASSERT_OK(create("b", "world"));
  ASSERT_OK(create("c", "sport"));
  ASSERT_OK(create("d", ""));
  ASSERT_OK(UpdateClaimStatus(stub(), "claims/b", kConfirmed, "s").status());
  ASSERT_OK(UpdateClaimStatus(stub(), "claims/c", kConfirmed, "s").status());

  auto names = [&](const std::string& filter) {
    absl::StatusOr<std::vector<Claim>> claims = ListAllClaims(stub(), filter);
    EXPECT_OK(claims.status()) << filter;
    return claims.ok() ? ClaimNames(*claims) : std::vector<std::string>{};
  };
  EXPECT_THAT(names("status = CONFIRMED"), ElementsAre("claims/b", "claims/c"));
  EXPECT_THAT(names("labels.desk = \"world\""),
              ElementsAre("claims/a", "claims/b"));
  EXPECT_THAT(names("status = CONFIRMED AND labels.desk = \"world\""),
              ElementsAre("claims/b"));
  EXPECT_THAT(names("status = REPORTED"), ElementsAre("claims/a", "claims/d"));
  EXPECT_THAT(names("labels.desk:*"),
              ElementsAre("claims/a", "claims/b", "claims/c"));
}

TEST_F(ListApiTest, ListWithAMalformedFilterIsInvalidArgument) {
  for (const char* filter :
       {"status =", "status = CONFIRMED AND", "(status = REPORTED",
        "nosuchfield = 1", "status == CONFIRMED"}) {
    SCOPED_TRACE(filter);
    ListClaimsRequest request;
    request.set_filter(filter);
    EXPECT_THAT(ListClaims(stub(), request),
                StatusIs(kInvalid, HasSubstr("column")));
  }
}

TEST_F(ListApiTest, ListPageTokenWithAnotherFilterIsInvalidArgument) {
  CreateAll({"a", "b", "c"});
  ListClaimsRequest request;
  request.set_page_size(1);
  request.set_filter("status = REPORTED");
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse page,
                       ListClaims(stub(), request));
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  request.set_filter("status = CONFIRMED");
  EXPECT_THAT(ListClaims(stub(), request),
              StatusIs(kInvalid, HasSubstr("page_token")));
  request.set_filter("");
  EXPECT_THAT(ListClaims(stub(), request),
              StatusIs(kInvalid, HasSubstr("page_token")));
  request.set_page_token("not-a-token!");
  EXPECT_THAT(ListClaims(stub(), request),
              StatusIs(kInvalid, HasSubstr("page_token")));
}

TEST_F(ListApiTest, ListReportsTheCurrentRevision) {
  ListClaimsRequest request;
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse empty,
                       ListClaims(stub(), request));
  EXPECT_EQ(empty.revision(), 0);
  CreateAll({"a", "b", "c"});
  ASSERT_OK(UpdateClaimStatus(stub(), "claims/a", kConfirmed, "s").status());
  ASSERT_OK(DeleteClaim(stub(), "claims/b"));
  request.set_filter("status = DENIED");  // matches nothing: still the revision
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse response,
                       ListClaims(stub(), request));
  EXPECT_THAT(response.claims(), SizeIs(0));
  EXPECT_EQ(response.revision(), 5);
}

// Claims within every documented limit can be large: 256 pieces of evidence
// with a full quote, note and url are about 2.7 MB. List pages must still fit
// the 4 MiB a default gRPC client accepts (claim_service.cc promises to stop a
// page early, with a token, to stay under it).
TEST_F(ListApiTest, ListPagesOfLargeClaimsFitTheDefaultClientLimit) {
  auto create_large = [&](const std::string& id, int evidence_count) {
    CreateClaimRequest request;
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
    return CreateClaim(stub(), request).status();
  };
  ASSERT_OK(create_large("a", 185));  // about 2.0 MB, just under 2 MiB
  ASSERT_OK(create_large("b", 256));  // about 2.8 MB
  absl::StatusOr<std::vector<Claim>> claims = ListAllClaims(stub());
  EXPECT_OK(claims.status()) << "ListClaims";
  if (claims.ok()) {
    EXPECT_THAT(ClaimNames(*claims), ElementsAre("claims/a", "claims/b"));
  }
  absl::StatusOr<std::vector<ClaimEvent>> events = ListAllEvents(stub());
  EXPECT_OK(events.status()) << "ListClaimEvents";
  if (events.ok()) {
    EXPECT_THAT(Revisions(*events), ElementsAre(1, 2));
  }
  // Each alone is fine.
  EXPECT_OK(GetClaim(stub(), "claims/b").status());
}

// ------------------------------------------------------------ ListClaimEvents

TEST_F(ListApiTest, ListEventsOfOneClaimIsItsHistoryInOrder) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());  // 1
  ASSERT_OK(CreateClaim(stub(), "b", "x").status());  // 2
  ASSERT_OK(
      UpdateClaimStatus(stub(), "claims/a", kConfirmed, "s").status());     // 3
  ASSERT_OK(UpdateClaimStatus(stub(), "claims/b", kDenied, "s").status());  // 4
  ASSERT_OK(
      UpdateClaimStatus(stub(), "claims/a", kConfirmed, "t").status());  // 5
  ASSERT_OK(DeleteClaim(stub(), "claims/a"));                            // 6

  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> a,
                       ListAllEvents(stub(), "claims/a", /*page_size=*/2));
  EXPECT_THAT(Revisions(a), ElementsAre(1, 3, 5, 6));
  EXPECT_THAT(EventTypes(a), ElementsAre(claims::v1::EVENT_TYPE_CREATED,
                                         claims::v1::EVENT_TYPE_STATUS_CHANGED,
                                         claims::v1::EVENT_TYPE_EVIDENCE_ADDED,
                                         claims::v1::EVENT_TYPE_DELETED));
  for (const ClaimEvent& event : a) {
    EXPECT_EQ(event.claim().name(), "claims/a");
    EXPECT_TRUE(event.has_event_time());
  }
  // The claim after each change; for DELETED its last state (revision 5).
  EXPECT_EQ(a[0].claim().revision(), 1);
  EXPECT_EQ(a[1].claim().revision(), 3);
  EXPECT_EQ(a[2].claim().revision(), 5);
  EXPECT_EQ(a[3].claim().revision(), 5);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> b,
                       ListAllEvents(stub(), "claims/b"));
  EXPECT_THAT(Revisions(b), ElementsAre(2, 4));
}

TEST_F(ListApiTest, ListEventsOfAllClaimsIsDenseAndPaginated) {
  for (int i = 0; i < 5; ++i) {
    std::string id = absl::StrCat("c", i);
    ASSERT_OK(CreateClaim(stub(), id, "x").status());
    ASSERT_OK(
        UpdateClaimStatus(stub(), "claims/" + id, kConfirmed, "s").status());
  }
  ListClaimEventsRequest request;
  request.set_parent("claims/-");
  request.set_page_size(3);
  std::vector<ClaimEvent> events;
  int pages = 0;
  for (; pages < 20; ++pages) {
    ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimEventsResponse page,
                         ListClaimEvents(stub(), request));
    EXPECT_LE(page.events_size(), 3);
    for (const ClaimEvent& event : page.events()) events.push_back(event);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_LE(pages + 1, 5) << "10 events in pages of 3";
  EXPECT_THAT(Revisions(events), ElementsAreArray(Range(1, 10)));
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].type(), i % 2 == 0
                                    ? claims::v1::EVENT_TYPE_CREATED
                                    : claims::v1::EVENT_TYPE_STATUS_CHANGED);
    EXPECT_EQ(events[i].claim().name(), absl::StrCat("claims/c", i / 2));
  }
}

TEST_F(ListApiTest, ListEventsErrors) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  ASSERT_OK(CreateClaim(stub(), "b", "x").status());
  ListClaimEventsRequest request;
  request.set_parent("claims/never");
  EXPECT_THAT(ListClaimEvents(stub(), request),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("claims/never")));
  for (const char* parent : {"", "claims", "claims/Bad", "things/a"}) {
    SCOPED_TRACE(parent);
    request.set_parent(parent);
    EXPECT_THAT(ListClaimEvents(stub(), request),
                StatusIs(kInvalid, HasSubstr("parent")));
  }
  // A token is bound to its parent.
  request.set_parent("claims/-");
  request.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimEventsResponse page,
                       ListClaimEvents(stub(), request));
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_parent("claims/a");
  request.set_page_token(page.next_page_token());
  EXPECT_THAT(ListClaimEvents(stub(), request),
              StatusIs(kInvalid, HasSubstr("page_token")));
}

// Without a page token the listing starts at the oldest event still kept, so
// it can never be OUT_OF_RANGE (that is for tokens into trimmed history), even
// while the server compacts history underneath it.
TEST(ClaimsApiCompaction, ListEventsWithoutATokenIsNeverOutOfRange) {
  TestServerOptions options;
  options.compaction.retention = 5;
  options.compaction.interval = absl::Milliseconds(1);
  options.server.watch.progress_interval =
      absl::Milliseconds(20);  // 10 ms ticks
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  ASSERT_OK(CreateClaim(server->stub(), "c0", "x").status());
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    std::unique_ptr<claims::v1::ClaimService::Stub> own = server->NewStub();
    for (int i = 1; i < 5000 && !stop.load(); ++i) {
      if (CreateClaim(*own, absl::StrCat("c", i), "x").ok()) ++written;
    }
  });
  constexpr int kReaders = 3;
  std::atomic<int> calls{0};
  std::atomic<int> out_of_range{0};
  std::atomic<int> other_errors{0};
  absl::Mutex mutex;
  std::string first_error;
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  std::vector<std::thread> readers;
  readers.reserve(kReaders);
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      std::unique_ptr<claims::v1::ClaimService::Stub> own = server->NewStub();
      while (absl::Now() < deadline && out_of_range.load() == 0) {
        ListClaimEventsRequest request;
        request.set_parent(r == 0 ? "claims/c0" : "claims/-");
        request.set_page_size(1);
        absl::StatusOr<claims::v1::ListClaimEventsResponse> response =
            ListClaimEvents(*own, request);
        ++calls;
        if (response.ok()) continue;
        if (response.status().code() == absl::StatusCode::kOutOfRange) {
          ++out_of_range;
        } else {
          ++other_errors;
        }
        absl::MutexLock lock(&mutex);
        if (first_error.empty()) first_error = response.status().ToString();
      }
    });
  }
  for (std::thread& reader : readers) reader.join();
  stop = true;
  writer.join();
  EXPECT_EQ(out_of_range.load() + other_errors.load(), 0)
      << "first: " << first_error << " (" << calls.load() << " calls, "
      << written.load() << " writes)";
  EXPECT_GT(server->store().CompactRevision(), 0) << "nothing was compacted";
}

}  // namespace
}  // namespace claimd::testing
