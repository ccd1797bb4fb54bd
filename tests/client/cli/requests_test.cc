#include "client/cli/requests.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(ClaimName, AcceptsBareAndPrefixedIds) {
  EXPECT_EQ(*ClaimName("abc"), "claims/abc");
  EXPECT_EQ(*ClaimName("claims/abc"), "claims/abc");
}

TEST(ClaimName, RejectsEmptyAndNestedIds) {
  EXPECT_THAT(ClaimName(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ClaimName("claims/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ClaimName("a/b"), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("use ID or claims/ID")));
  EXPECT_THAT(ClaimName("claims/a/b"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseStatus, AcceptsTheThreeVerdictsInAnyCase) {
  EXPECT_EQ(*ParseStatus("reported"), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(*ParseStatus("Confirmed"), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(*ParseStatus("DENIED"), v1::VERIFICATION_STATUS_DENIED);
  EXPECT_THAT(ParseStatus("true"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseLabels, SplitsAtTheFirstEquals) {
  auto labels = ParseLabels({"desk=world", "q=a=b", "empty="});
  ASSERT_THAT(labels, IsOk());
  EXPECT_THAT(*labels,
              UnorderedElementsAre(Pair("desk", "world"), Pair("q", "a=b"),
                                   Pair("empty", "")));
}

TEST(ParseLabels, RejectsMalformedAndDuplicateLabels) {
  EXPECT_THAT(
      ParseLabels({"desk"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("KEY=VALUE")));
  EXPECT_THAT(ParseLabels({"=x"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLabels({"a=1", "a=2"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
}

TEST(NewRequestId, IsARandomUuid) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRequestId();
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                 "[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST(BuildUpdateStatusRequest, ConfirmWithSource) {
  VerdictFlags flags;
  flags.id = "x";
  flags.evidence.source = "S";
  auto request =
      BuildUpdateStatusRequest(flags, v1::VERIFICATION_STATUS_CONFIRMED);
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->name(), "claims/x");
  EXPECT_EQ(request->status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(request->evidence().source(), "S");
  EXPECT_EQ(request->expected_revision(), 0);
  EXPECT_FALSE(request->request_id().empty());
}

TEST(BuildUpdateStatusRequest, CarriesAllEvidenceAndExpectedRevision) {
  VerdictFlags flags;
  flags.id = "claims/x";
  flags.evidence = {.source = "S",
                    .url = "U",
                    .quote = "Q",
                    .note = "N",
                    .actor = "alice",
                    .time = "2024-05-01T10:00:00.5Z"};
  flags.expected_revision = 12;
  auto request =
      BuildUpdateStatusRequest(flags, v1::VERIFICATION_STATUS_DENIED);
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->evidence().url(), "U");
  EXPECT_EQ(request->evidence().quote(), "Q");
  EXPECT_EQ(request->evidence().note(), "N");
  EXPECT_EQ(request->evidence().actor(), "alice");
  EXPECT_EQ(request->evidence().time().seconds(), 1714557600);
  EXPECT_EQ(request->evidence().time().nanos(), 500000000);
  EXPECT_EQ(request->expected_revision(), 12);
}

TEST(BuildUpdateStatusRequest, EveryCallGetsItsOwnRequestId) {
  VerdictFlags flags;
  flags.id = "x";
  flags.evidence.source = "S";
  auto first = BuildUpdateStatusRequest(flags, v1::VERIFICATION_STATUS_DENIED);
  auto second = BuildUpdateStatusRequest(flags, v1::VERIFICATION_STATUS_DENIED);
  EXPECT_NE(first->request_id(), second->request_id());
}

TEST(BuildEvidence, RejectsBadTimeAndDetailsWithoutSource) {
  EvidenceFlags bad_time;
  bad_time.source = "S";
  bad_time.time = "yesterday";
  EvidenceFlags url_only;
  url_only.url = "U";
  EXPECT_THAT(
      BuildEvidence(bad_time),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--time")));
  EXPECT_THAT(
      BuildEvidence(url_only),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--source")));
}

TEST(BuildCreateRequest, MapsEveryFlag) {
  CreateFlags flags;
  flags.statement = "Troops crossed";
  flags.id = "claims/border";
  flags.labels = {"desk=world"};
  flags.status = "confirmed";
  flags.evidence.source = "S";
  flags.evidence.actor = "alice";
  auto request = BuildCreateRequest(flags);
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->claim_id(), "border");
  EXPECT_EQ(request->claim().statement(), "Troops crossed");
  EXPECT_EQ(request->claim().status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_THAT(request->claim().labels(),
              UnorderedElementsAre(Pair("desk", "world")));
  ASSERT_EQ(request->claim().evidence_size(), 1);
  EXPECT_EQ(request->claim().evidence(0).source(), "S");
  EXPECT_EQ(request->claim().evidence(0).actor(), "alice");
  EXPECT_FALSE(request->request_id().empty());
}

TEST(BuildCreateRequest, NoSourceMeansNoEvidenceAndDefaultStatus) {
  CreateFlags flags;
  flags.statement = "s";
  flags.evidence.actor = "alice";
  auto request = BuildCreateRequest(flags);
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->claim_id(), "");
  EXPECT_EQ(request->claim().status(), v1::VERIFICATION_STATUS_UNSPECIFIED);
  EXPECT_EQ(request->claim().evidence_size(), 0);
}

TEST(BuildDeleteRequest, SetsNameRevisionAndRequestId) {
  auto request = BuildDeleteRequest("abc", 4);
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->name(), "claims/abc");
  EXPECT_EQ(request->expected_revision(), 4);
  EXPECT_FALSE(request->request_id().empty());
}

// A command whose outcome was unknown is run again with --request-id: every
// write carries the given key, so the server applies it once.
TEST(RequestId, EveryWriteCarriesTheGivenRequestId) {
  CreateFlags create;
  create.statement = "s";
  create.request_id = "retry-1";
  EXPECT_EQ(BuildCreateRequest(create)->request_id(), "retry-1");
  VerdictFlags verdict;
  verdict.id = "x";
  verdict.evidence.source = "S";
  verdict.request_id = "retry-2";
  EXPECT_EQ(BuildUpdateStatusRequest(verdict, v1::VERIFICATION_STATUS_DENIED)
                ->request_id(),
            "retry-2");
  EXPECT_EQ(BuildDeleteRequest("x", 0, "retry-3")->request_id(), "retry-3");
  EXPECT_NE(BuildDeleteRequest("x", 0, "")->request_id(), "");
}

TEST(BuildHistoryRequest, NoIdMeansAllClaims) {
  EXPECT_EQ(BuildHistoryRequest("", 0)->parent(), "claims/-");
  EXPECT_EQ(BuildHistoryRequest("abc", 50)->parent(), "claims/abc");
  EXPECT_EQ(BuildHistoryRequest("abc", 50)->page_size(), 50);
}

TEST(BuildWatchRequest, MapsFlags) {
  const v1::WatchClaimsRequest request =
      BuildWatchRequest("status = DENIED", 5, false);
  EXPECT_EQ(request.filter(), "status = DENIED");
  EXPECT_EQ(request.start_revision(), 5);
  EXPECT_FALSE(request.initial_snapshot());
  EXPECT_TRUE(BuildWatchRequest("", 0, true).initial_snapshot());
}

}  // namespace
}  // namespace claimd::client
