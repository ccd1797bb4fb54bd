#include "claimd/client/claim_client.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/client/mock_claim_stub.h"
#include "tests/testing/status_matchers.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::_;
using ::testing::DoAll;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;

const grpc::Status kUnavailable(grpc::StatusCode::UNAVAILABLE, "down");

class ClaimClientTest : public ::testing::Test {
 protected:
  ClaimClient MakeClient(int max_attempts = 4) {
    ClaimClientOptions options;
    options.timeout = absl::Seconds(10);
    options.max_attempts = max_attempts;
    options.backoff = {absl::Milliseconds(100), absl::Seconds(1), 2.0, 0};
    options.sleep = [this](absl::Duration d) { sleeps_.push_back(d); };
    return ClaimClient(stub_, options);
  }

  v1::UpdateClaimStatusRequest Update(std::string request_id) {
    v1::UpdateClaimStatusRequest request;
    request.set_name("claims/x");
    request.set_status(v1::VERIFICATION_STATUS_CONFIRMED);
    request.set_request_id(std::move(request_id));
    return request;
  }

  std::shared_ptr<MockClaimStub> stub_ = std::make_shared<MockClaimStub>();
  std::vector<absl::Duration> sleeps_;
};

TEST(FromGrpcStatus, KeepsCodeAndMessage) {
  EXPECT_THAT(FromGrpcStatus(grpc::Status::OK), IsOk());
  const absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "no claim x"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no claim x");
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::ABORTED, "")).code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, ""))
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(ClaimClientTest, ReturnsTheResponse) {
  v1::Claim claim;
  claim.set_name("claims/x");
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(claim), Return(grpc::Status::OK)));
  ClaimClient client = MakeClient();
  absl::StatusOr<v1::Claim> result = client.GetClaim(v1::GetClaimRequest());
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->name(), "claims/x");
}

TEST_F(ClaimClientTest, SetsTheDeadline) {
  std::chrono::system_clock::time_point deadline;
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext* context, const auto&, auto*) {
        deadline = context->deadline();
        return grpc::Status::OK;
      }));
  ClaimClient client = MakeClient();
  const absl::Time before = absl::Now();
  ASSERT_THAT(client.GetClaim(v1::GetClaimRequest()), IsOk());
  const absl::Duration left = absl::FromChrono(deadline) - before;
  EXPECT_GT(left, absl::Seconds(9));
  EXPECT_LE(left, absl::Seconds(11));
}

TEST_F(ClaimClientTest, ReturnsTheServerError) {
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::ABORTED, "stale")));
  ClaimClient client = MakeClient();
  EXPECT_THAT(client.UpdateClaimStatus(Update("r1")),
              StatusIs(absl::StatusCode::kAborted, "stale"));
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(ClaimClientTest, RetriesUnavailableMutationWithRequestId) {
  v1::UpdateClaimStatusRequest request = Update("r1");
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, EqualsProto(request), _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(grpc::Status::OK));
  ClaimClient client = MakeClient();
  EXPECT_THAT(client.UpdateClaimStatus(request), IsOk());
  EXPECT_EQ(sleeps_, (std::vector<absl::Duration>{absl::Milliseconds(100),
                                                  absl::Milliseconds(200)}));
}

TEST_F(ClaimClientTest, DoesNotRetryMutationWithoutRequestId) {
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, _, _))
      .WillOnce(Return(kUnavailable));
  EXPECT_CALL(*stub_, DeleteClaim(_, _, _)).WillOnce(Return(kUnavailable));
  EXPECT_CALL(*stub_, CreateClaim(_, _, _)).WillOnce(Return(kUnavailable));
  ClaimClient client = MakeClient();
  EXPECT_THAT(client.UpdateClaimStatus(Update("")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(client.DeleteClaim(v1::DeleteClaimRequest()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(client.CreateClaim(v1::CreateClaimRequest()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(ClaimClientTest, RetriesReads) {
  EXPECT_CALL(*stub_, ListClaims(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(grpc::Status::OK));
  EXPECT_CALL(*stub_, ListClaimEvents(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(grpc::Status::OK));
  ClaimClient client = MakeClient();
  EXPECT_THAT(client.ListClaims(v1::ListClaimsRequest()), IsOk());
  EXPECT_THAT(client.ListClaimEvents(v1::ListClaimEventsRequest()), IsOk());
}

// A server cuts calls off with CANCELLED while it shuts down (claimctl never
// cancels a unary call itself); with a request_id the retry is safe.
TEST_F(ClaimClientTest, RetriesCancelledMutationWithRequestId) {
  v1::UpdateClaimStatusRequest request = Update("r1");
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, EqualsProto(request), _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::CANCELLED, "")))
      .WillOnce(Return(grpc::Status::OK));
  ClaimClient client = MakeClient();
  EXPECT_THAT(client.UpdateClaimStatus(request), IsOk());
  EXPECT_EQ(sleeps_.size(), 1u);
}

TEST_F(ClaimClientTest, RetriesOnlyUnavailableAndCancelled) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "")));
  ClaimClient client = MakeClient();
  EXPECT_THAT(client.GetClaim(v1::GetClaimRequest()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_F(ClaimClientTest, GivesUpAfterMaxAttempts) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .Times(3)
      .WillRepeatedly(Return(kUnavailable));
  ClaimClient client = MakeClient(/*max_attempts=*/3);
  EXPECT_THAT(client.GetClaim(v1::GetClaimRequest()),
              StatusIs(absl::StatusCode::kUnavailable, "down"));
  EXPECT_EQ(sleeps_.size(), 2u);
}

// claimd answered the first attempt UNAVAILABLE ("may or may not have been
// applied"); the retry then ran out of time. The first answer is the one that
// says what happened, and must not be lost behind DEADLINE_EXCEEDED.
TEST_F(ClaimClientTest, KeepsTheAnswerBeforeALastAttemptThatFailedOtherwise) {
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "no quorum; may or may not have been "
                                    "applied")))
      .WillOnce(Return(
          grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline")));
  ClaimClient client = MakeClient();
  const absl::Status status = client.UpdateClaimStatus(Update("r1")).status();
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "Deadline; the attempt before: UNAVAILABLE: no quorum; "
                       "may or may not have been applied"));
  EXPECT_FALSE(ReachedNoServer(status));
}

TEST_F(ClaimClientTest, AServerThatWentAwayAfterAnsweringWasReached) {
  const grpc::Status refused(grpc::StatusCode::UNAVAILABLE,
                             "failed to connect to all addresses; last "
                             "error: Connection refused");
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(refused));
  ClaimClient client = MakeClient(/*max_attempts=*/2);
  const absl::Status status = client.UpdateClaimStatus(Update("r1")).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                               "failed to connect to all addresses; last "
                               "error: Connection refused; the attempt "
                               "before: UNAVAILABLE: down"));
  EXPECT_FALSE(ReachedNoServer(status));
  EXPECT_TRUE(ReachedNoServer(FromGrpcStatus(refused)));
}

TEST_F(ClaimClientTest, ASameKindOfFailureIsReportedOnce) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .Times(2)
      .WillRepeatedly(Return(kUnavailable));
  ClaimClient client = MakeClient(/*max_attempts=*/2);
  EXPECT_THAT(client.GetClaim(v1::GetClaimRequest()),
              StatusIs(absl::StatusCode::kUnavailable, "down"));
}

TEST(ReachedNoServer, KnowsGrpcsWordsForNoConnection) {
  EXPECT_TRUE(ReachedNoServer(
      absl::UnavailableError("DNS resolution failed for x.invalid:1")));
  EXPECT_TRUE(ReachedNoServer(absl::UnavailableError("empty address list: ")));
  EXPECT_FALSE(ReachedNoServer(absl::UnavailableError("down")));
  EXPECT_FALSE(ReachedNoServer(
      absl::DeadlineExceededError("failed to connect to all addresses")));
}

TEST_F(ClaimClientTest, DoesNotRetryPastTheDeadline) {
  ClaimClientOptions options;
  options.timeout = absl::Milliseconds(50);
  options.backoff = {absl::Milliseconds(100), absl::Seconds(1), 2.0, 0};
  options.sleep = [this](absl::Duration d) { sleeps_.push_back(d); };
  ClaimClient client(stub_, options);
  EXPECT_CALL(*stub_, GetClaim(_, _, _)).WillOnce(Return(kUnavailable));
  EXPECT_THAT(client.GetClaim(v1::GetClaimRequest()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(sleeps_.empty());
}

}  // namespace
}  // namespace claimd::client

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::_;
using ::testing::Invoke;

// ListClaims over three pages of two claims: "a".."f".
grpc::Status ServePages(grpc::ClientContext*,
                        const v1::ListClaimsRequest& request,
                        v1::ListClaimsResponse* response) {
  const int page =
      request.page_token().empty() ? 0 : std::stoi(request.page_token());
  for (int i = 0; i < 2; ++i) {
    response->add_claims()->set_name(std::string("claims/") +
                                     static_cast<char>('a' + page * 2 + i));
  }
  response->set_revision(40 + page);
  response->set_store_id("s1");
  if (page < 2) response->set_next_page_token(std::to_string(page + 1));
  return grpc::Status::OK;
}

TEST(Pager, ForEachClaimReadsEveryPage) {
  auto stub = std::make_shared<MockClaimStub>();
  EXPECT_CALL(*stub, ListClaims(_, _, _))
      .Times(3)
      .WillRepeatedly(Invoke(ServePages));
  ClaimClient client(stub, {});
  std::string names;
  PageInfo last;
  EXPECT_THAT(
      client.ForEachClaim(
          {}, 0, [&names](v1::Claim& claim) { names += claim.name().back(); },
          &last),
      IsOk());
  EXPECT_EQ(names, "abcdef");
  EXPECT_EQ(last.revision, 42);
  EXPECT_EQ(last.store_id, "s1");
}

TEST(Pager, ForEachClaimStopsAtTheLimitWithoutReadingMorePages) {
  auto stub = std::make_shared<MockClaimStub>();
  EXPECT_CALL(*stub, ListClaims(_, _, _))
      .Times(2)
      .WillRepeatedly(Invoke(ServePages));
  ClaimClient client(stub, {});
  std::string names;
  EXPECT_THAT(
      client.ForEachClaim(
          {}, 3, [&names](v1::Claim& claim) { names += claim.name().back(); }),
      IsOk());
  EXPECT_EQ(names, "abc");
}

TEST(Pager, AFailedPageEndsTheLoopWithItsError) {
  auto stub = std::make_shared<MockClaimStub>();
  EXPECT_CALL(*stub, ListClaimEvents(_, _, _))
      .WillOnce(
          Invoke([](grpc::ClientContext*, const v1::ListClaimEventsRequest&,
                    v1::ListClaimEventsResponse* response) {
            response->add_events()->set_revision(1);
            response->set_next_page_token("next");
            return grpc::Status::OK;
          }))
      .WillOnce(
          Invoke([](grpc::ClientContext*, const v1::ListClaimEventsRequest&,
                    v1::ListClaimEventsResponse*) {
            return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no");
          }));
  ClaimClient client(stub, {});
  int events = 0;
  EXPECT_THAT(
      client.ForEachEvent({}, 0, [&events](v1::ClaimEvent&) { ++events; }),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(events, 1);
}

}  // namespace
}  // namespace claimd::client
