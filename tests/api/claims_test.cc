// Integration tests of the claims.v1 mutations and reads against a real
// server and a real SQLite store: CreateClaim, GetClaim, UpdateClaimStatus,
// DeleteClaim and the global revision counter. Each test asserts the exact code
// and the field named in the message, as the contract in
// proto/claims/v1/claims.proto states them. list_test.cc covers ListClaims and
// ListClaimEvents.
#include <algorithm>
#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/generic/generic_stub.h"
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
using ::claims::v1::UpdateClaimStatusRequest;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

class ClaimsApiTest : public ApiTest {};

// ---------------------------------------------------------------- CreateClaim

TEST_F(ClaimsApiTest, CreateGeneratesAnIdWhenNoneIsGiven) {
  ASSERT_OK_AND_ASSIGN(Claim claim,
                       CreateClaim(stub(), "", "The bridge was destroyed"));
  EXPECT_THAT(claim.name(), MatchesRegex("claims/[a-z0-9]{16}"));
  EXPECT_EQ(claim.statement(), "The bridge was destroyed");
  EXPECT_EQ(claim.status(), kReported);
  EXPECT_EQ(claim.revision(), 1);
  EXPECT_EQ(claim.create_revision(), 1);
  EXPECT_TRUE(claim.has_create_time());
  EXPECT_TRUE(claim.has_update_time());
  EXPECT_THAT(claim.evidence(), SizeIs(0));

  ASSERT_OK_AND_ASSIGN(Claim got, GetClaim(stub(), claim.name()));
  EXPECT_THAT(got, EqualsProto(claim));

  ASSERT_OK_AND_ASSIGN(Claim other, CreateClaim(stub(), "", "Another claim"));
  EXPECT_NE(other.name(), claim.name());
}

TEST_F(ClaimsApiTest, CreateUsesTheGivenClaimId) {
  ASSERT_OK_AND_ASSIGN(Claim claim,
                       CreateClaim(stub(), "minister-resigned-2", "x"));
  EXPECT_EQ(claim.name(), "claims/minister-resigned-2");
  // 63 characters is the longest id.
  std::string longest(63, 'a');
  ASSERT_OK_AND_ASSIGN(Claim longest_claim, CreateClaim(stub(), longest, "x"));
  EXPECT_EQ(longest_claim.name(), "claims/" + longest);
}

TEST_F(ClaimsApiTest, CreateDefaultsToReportedAndKeepsAGivenStatus) {
  ASSERT_OK_AND_ASSIGN(Claim reported, CreateClaim(stub(), "a", "x"));
  EXPECT_EQ(reported.status(), kReported);

  CreateClaimRequest request;
  request.set_claim_id("b");
  request.mutable_claim()->set_statement("x");
  request.mutable_claim()->set_status(kDenied);
  ASSERT_OK_AND_ASSIGN(Claim denied, CreateClaim(stub(), request));
  EXPECT_EQ(denied.status(), kDenied);
}

TEST_F(ClaimsApiTest, CreateRecordsInitialEvidenceWithStatusAndRevision) {
  ASSERT_OK(CreateClaim(stub(), "first", "x").status());  // revision 1
  CreateClaimRequest request;
  request.set_claim_id("with-evidence");
  Claim* claim = request.mutable_claim();
  claim->set_statement("The dam was breached");
  claim->set_status(kConfirmed);
  (*claim->mutable_labels())["desk"] = "world";
  claims::v1::Evidence* stated = claim->add_evidence();
  stated->set_source("Ukrainian officials");
  stated->set_url("https://example.org/a");
  stated->set_quote("The dam is gone");
  stated->mutable_time()->set_seconds(1686000000);
  claim->add_evidence()->set_source("Satellite imagery");
  // Output-only fields are ignored.
  stated->set_status(kDenied);
  stated->set_revision(99);

  ASSERT_OK_AND_ASSIGN(Claim created, CreateClaim(stub(), request));
  EXPECT_EQ(created.revision(), 2);
  EXPECT_EQ(created.status(), kConfirmed);
  EXPECT_EQ(created.labels().at("desk"), "world");
  ASSERT_THAT(created.evidence(), SizeIs(2));
  for (const claims::v1::Evidence& evidence : created.evidence()) {
    EXPECT_EQ(evidence.status(), kConfirmed);
    EXPECT_EQ(evidence.revision(), 2);
    EXPECT_TRUE(evidence.has_time()) << "time defaults to the record time";
  }
  EXPECT_EQ(created.evidence(0).source(), "Ukrainian officials");
  EXPECT_EQ(created.evidence(0).url(), "https://example.org/a");
  EXPECT_EQ(created.evidence(0).quote(), "The dam is gone");
  EXPECT_EQ(created.evidence(0).time().seconds(), 1686000000);
  EXPECT_EQ(created.evidence(1).source(), "Satellite imagery");
  ASSERT_OK_AND_ASSIGN(Claim got, GetClaim(stub(), "claims/with-evidence"));
  EXPECT_THAT(got, EqualsProto(created));
}

TEST_F(ClaimsApiTest, CreateOfATakenIdIsAlreadyExists) {
  ASSERT_OK(CreateClaim(stub(), "taken", "first").status());
  EXPECT_THAT(
      CreateClaim(stub(), "taken", "second"),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("claims/taken")));
  ASSERT_OK_AND_ASSIGN(Claim claim, GetClaim(stub(), "claims/taken"));
  EXPECT_EQ(claim.statement(), "first");
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(1));
}

TEST_F(ClaimsApiTest, CreateRejectsMalformedClaimIds) {
  for (const std::string& id :
       {std::string("Upper"), std::string(64, 'a'), std::string("-leading"),
        std::string("under_score"), std::string("a/b"), std::string("a b"),
        std::string("caf\xc3\xa9")}) {
    SCOPED_TRACE(id);
    EXPECT_THAT(CreateClaim(stub(), id, "x"),
                StatusIs(kInvalid, HasSubstr("claim_id")));
  }
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(0));
}

TEST_F(ClaimsApiTest, CreateChecksTheStatementLength) {
  EXPECT_THAT(CreateClaim(stub(), "empty", ""),
              StatusIs(kInvalid, HasSubstr("claim.statement")));
  EXPECT_THAT(CreateClaim(stub(), "long", std::string(4097, 'x')),
              StatusIs(kInvalid, HasSubstr("claim.statement")));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(0));
  ASSERT_OK_AND_ASSIGN(Claim longest,
                       CreateClaim(stub(), "longest", std::string(4096, 'x')));
  EXPECT_EQ(longest.statement().size(), 4096u);
}

// proto3 strings must be UTF-8, and C++ protobuf 3.21 enforces it when the
// server parses the request, before any claimd code runs (the client only logs
// when it serializes). gRPC 1.51's callback API then fails the call with
// UNIMPLEMENTED and an empty message; claimd's call interceptor rewrites that
// to the INVALID_ARGUMENT the contract promises. Nothing is written and the
// server stays up.
TEST_F(ClaimsApiTest, CreateWithInvalidUtf8FailsAndTheServerStaysUp) {
  EXPECT_THAT(CreateClaim(stub(), "bad-utf8", "caf\xc3("),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("valid UTF-8")));
  CreateClaimRequest request;
  request.set_claim_id("bad-label");
  request.mutable_claim()->set_statement("fine");
  (*request.mutable_claim()->mutable_labels())["desk"] = "\xff\xfe";
  EXPECT_THAT(CreateClaim(stub(), request),
              StatusIs(absl::StatusCode::kInvalidArgument));

  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(0));
  EXPECT_THAT(GetClaim(stub(), "claims/bad-utf8"),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(CreateClaim(stub(), "good", "caf\xc3\xa9 is valid").status());
}

TEST_F(ClaimsApiTest, CreateChecksLabelKeysAndValues) {
  auto create_with_label = [&](const std::string& id, const std::string& key,
                               const std::string& value) {
    CreateClaimRequest request;
    request.set_claim_id(id);
    request.mutable_claim()->set_statement("x");
    (*request.mutable_claim()->mutable_labels())[key] = value;
    return CreateClaim(stub(), request);
  };
  EXPECT_OK(create_with_label("a", "desk", "world").status());
  EXPECT_OK(create_with_label("b", "a0_b-c", "").status());
  EXPECT_OK(create_with_label("c", "k" + std::string(62, 'x'), "v").status());
  for (const std::string& key :
       {std::string("Desk"), std::string("1desk"), std::string("_desk"),
        std::string(""), std::string("de.sk"), std::string("de sk"),
        "k" + std::string(63, 'x')}) {
    SCOPED_TRACE(key);
    EXPECT_THAT(create_with_label("bad-key", key, "v"),
                StatusIs(kInvalid, HasSubstr("claim.labels")));
  }
  EXPECT_THAT(create_with_label("long-value", "desk", std::string(257, 'v')),
              StatusIs(kInvalid, HasSubstr("claim.labels")));

  CreateClaimRequest many;
  many.set_claim_id("many-labels");
  many.mutable_claim()->set_statement("x");
  for (int i = 0; i < 65; ++i)
    (*many.mutable_claim()->mutable_labels())[absl::StrCat("k", i)] = "v";
  EXPECT_THAT(CreateClaim(stub(), many),
              StatusIs(kInvalid, HasSubstr("claim.labels")));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(3));
}

TEST_F(ClaimsApiTest, UnknownEnumValuesAreInvalidArgument) {
  CreateClaimRequest request;
  request.set_claim_id("seven");
  request.mutable_claim()->set_statement("x");
  request.mutable_claim()->set_status(
      static_cast<claims::v1::VerificationStatus>(7));
  EXPECT_THAT(CreateClaim(stub(), request),
              StatusIs(kInvalid, HasSubstr("claim.status")));

  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  EXPECT_THAT(UpdateClaimStatus(stub(), "claims/a",
                                static_cast<claims::v1::VerificationStatus>(7),
                                "source"),
              StatusIs(kInvalid, HasSubstr("status")));
  EXPECT_THAT(
      UpdateClaimStatus(stub(), "claims/a",
                        claims::v1::VERIFICATION_STATUS_UNSPECIFIED, "source"),
      StatusIs(kInvalid, HasSubstr("status")));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(1));
}

TEST_F(ClaimsApiTest, CreateRejectsAnOutputOnlyNameThatDisagrees) {
  CreateClaimRequest request;
  request.set_claim_id("a");
  request.mutable_claim()->set_name("claims/b");
  request.mutable_claim()->set_statement("x");
  EXPECT_THAT(CreateClaim(stub(), request),
              StatusIs(kInvalid, HasSubstr("claim.name")));
}

TEST_F(ClaimsApiTest, CreateRetryWithRequestIdReturnsTheFirstClaim) {
  CreateClaimRequest request;  // no claim_id: the server generates one
  request.set_request_id("req-1");
  request.mutable_claim()->set_statement("Retry me");
  ASSERT_OK_AND_ASSIGN(Claim first, CreateClaim(stub(), request));
  ASSERT_OK_AND_ASSIGN(Claim retry, CreateClaim(stub(), request));
  EXPECT_EQ(retry.name(), first.name());
  EXPECT_EQ(retry.revision(), first.revision());
  EXPECT_THAT(retry, EqualsProto(first));

  request.set_claim_id("given");
  request.set_request_id("req-2");
  ASSERT_OK_AND_ASSIGN(Claim given, CreateClaim(stub(), request));
  ASSERT_OK_AND_ASSIGN(Claim given_retry, CreateClaim(stub(), request));
  EXPECT_THAT(given_retry, EqualsProto(given));

  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> events, ListAllEvents(stub()));
  EXPECT_THAT(Revisions(events), ElementsAre(1, 2));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(2));
  ASSERT_OK_AND_ASSIGN(std::vector<Claim> claims, ListAllClaims(stub()));
  EXPECT_THAT(claims, SizeIs(2));
}

TEST_F(ClaimsApiTest, RequestIdReusedForADifferentRequestIsInvalidArgument) {
  CreateClaimRequest request;
  request.set_request_id("req-1");
  request.set_claim_id("a");
  request.mutable_claim()->set_statement("first");
  ASSERT_OK(CreateClaim(stub(), request).status());
  request.mutable_claim()->set_statement("something else");
  EXPECT_THAT(CreateClaim(stub(), request),
              StatusIs(kInvalid, HasSubstr("request_id")));
  request.set_claim_id("");  // generated id, different statement
  EXPECT_THAT(CreateClaim(stub(), request),
              StatusIs(kInvalid, HasSubstr("request_id")));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(1));
}

TEST_F(ClaimsApiTest, EvidenceLimits) {
  CreateClaimRequest full;
  full.set_claim_id("full");
  full.mutable_claim()->set_statement("x");
  for (int i = 0; i < 256; ++i)
    full.mutable_claim()->add_evidence()->set_source(absl::StrCat("s", i));
  ASSERT_OK(CreateClaim(stub(), full).status());
  EXPECT_THAT(UpdateClaimStatus(stub(), "claims/full", kConfirmed, "one more"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("claims/full")));

  full.set_claim_id("too-many");
  full.mutable_claim()->add_evidence()->set_source("s256");
  EXPECT_THAT(CreateClaim(stub(), full),
              StatusIs(kInvalid, HasSubstr("claim.evidence")));

  UpdateClaimStatusRequest update;
  update.set_name("claims/full");
  update.set_status(kConfirmed);
  update.mutable_evidence()->set_source("s");
  update.mutable_evidence()->set_url(std::string(2049, 'u'));
  EXPECT_THAT(UpdateClaimStatus(stub(), update),
              StatusIs(kInvalid, HasSubstr("evidence.url")));
  update.mutable_evidence()->set_url("");
  update.mutable_evidence()->set_source(std::string(257, 's'));
  EXPECT_THAT(UpdateClaimStatus(stub(), update),
              StatusIs(kInvalid, HasSubstr("evidence.source")));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(1));
}

// The methods that answer with a claim parse their requests and write their
// replies themselves (claim_wire.h): bad bytes get the same answer a generated
// handler gives, and nothing is written.
TEST_F(ClaimsApiTest, UnparsableRequestsAreInvalidArgumentAndWriteNothing) {
  ASSERT_OK(CreateClaim(stub(), "a", "statement").status());
  // A string field that is not UTF-8 (field 1, or ListClaimsRequest's
  // page_token, field 2: its field 1 is a number); then bytes that are not
  // protobuf (a length running past the end).
  struct Case {
    const char* method;
    std::string not_utf8;
  };
  const std::string field_1("\x0a\x02\xc3\x28", 4);
  const std::string truncated(
      "\x0a\x10"
      "claims/a",
      10);
  for (const Case& bad :
       {Case{"CreateClaim", field_1}, Case{"UpdateClaimStatus", field_1},
        Case{"GetClaim", field_1},
        Case{"ListClaims", std::string("\x12\x02\xc3\x28", 4)}}) {
    for (const std::string& bytes : {bad.not_utf8, truncated}) {
      SCOPED_TRACE(bad.method);
      const grpc::Status status = CallWithRawRequest(
          *server_->channel(),
          absl::StrCat("/claims.v1.ClaimService/", bad.method), bytes);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_THAT(status.error_message(), HasSubstr("could not be parsed"));
    }
  }
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(1));
}

// A reply written straight from the claim carries all of it: every field, the
// evidence in order, labels and times included.
TEST_F(ClaimsApiTest, RepliesCarryTheWholeClaim) {
  CreateClaimRequest create;
  create.set_claim_id("whole");
  create.mutable_claim()->set_statement("caf\xc3\xa9 closed on Monday");
  (*create.mutable_claim()->mutable_labels())["desk"] = "city";
  (*create.mutable_claim()->mutable_labels())["lang"] = "fr";
  for (int i = 0; i < 3; ++i) {
    auto* evidence = create.mutable_claim()->add_evidence();
    evidence->set_source(absl::StrCat("outlet ", i));
    evidence->set_quote(std::string(200, 'q'));
  }
  ASSERT_OK_AND_ASSIGN(Claim created, CreateClaim(stub(), create));
  ASSERT_OK_AND_ASSIGN(Claim updated, UpdateClaimStatus(stub(), "claims/whole",
                                                        kConfirmed, "AP"));
  ASSERT_OK_AND_ASSIGN(Claim got, GetClaim(stub(), "claims/whole"));
  // Compared as messages: a client re-serialises map entries in any order.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, updated))
      << got.DebugString() << "\n"
      << updated.DebugString();
  EXPECT_EQ(got.labels().size(), 2u);
  ASSERT_EQ(got.evidence_size(), 4);
  EXPECT_EQ(got.evidence(2).quote(), std::string(200, 'q'));
  EXPECT_EQ(got.evidence(3).source(), "AP");
  EXPECT_EQ(got.create_time().seconds(), created.create_time().seconds());
  EXPECT_EQ(got.revision(), 2);
  EXPECT_EQ(got.create_revision(), 1);
}

// ------------------------------------------------------------------- GetClaim

TEST_F(ClaimsApiTest, GetOfAMissingClaimIsNotFound) {
  EXPECT_THAT(GetClaim(stub(), "claims/nope"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("claims/nope")));
}

TEST_F(ClaimsApiTest, GetWithAMalformedNameIsInvalidArgument) {
  for (const char* name : {"", "nope", "claim/a", "claims/", "claims/UPPER",
                           "claims/a/b", "claims/-", "/claims/a"}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(GetClaim(stub(), name), StatusIs(kInvalid, HasSubstr("name")));
  }
}

// ---------------------------------------------------------- UpdateClaimStatus

TEST_F(ClaimsApiTest, UpdateToANewStatusIsStatusChanged) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  ASSERT_OK_AND_ASSIGN(Claim updated, UpdateClaimStatus(stub(), "claims/a",
                                                        kConfirmed, "Reuters"));
  EXPECT_EQ(updated.status(), kConfirmed);
  EXPECT_EQ(updated.revision(), 2);
  EXPECT_EQ(updated.create_revision(), 1);
  ASSERT_THAT(updated.evidence(), SizeIs(1));
  EXPECT_EQ(updated.evidence(0).source(), "Reuters");
  EXPECT_EQ(updated.evidence(0).status(), kConfirmed);
  EXPECT_EQ(updated.evidence(0).revision(), 2);

  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> events,
                       ListAllEvents(stub(), "claims/a"));
  ASSERT_THAT(EventTypes(events),
              ElementsAre(claims::v1::EVENT_TYPE_CREATED,
                          claims::v1::EVENT_TYPE_STATUS_CHANGED));
  EXPECT_EQ(events[1].revision(), 2);
  EXPECT_EQ(events[1].previous_status(), kReported);
  EXPECT_EQ(events[0].previous_status(),
            claims::v1::VERIFICATION_STATUS_UNSPECIFIED);
  EXPECT_THAT(events[1].claim(), EqualsProto(updated));
}

TEST_F(ClaimsApiTest, UpdateToTheSameStatusIsEvidenceAdded) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  ASSERT_OK_AND_ASSIGN(Claim updated,
                       UpdateClaimStatus(stub(), "claims/a", kReported, "AP"));
  EXPECT_EQ(updated.status(), kReported);
  EXPECT_EQ(updated.revision(), 2);
  ASSERT_THAT(updated.evidence(), SizeIs(1));
  EXPECT_EQ(updated.evidence(0).status(), kReported);

  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> events,
                       ListAllEvents(stub(), "claims/a"));
  ASSERT_THAT(EventTypes(events),
              ElementsAre(claims::v1::EVENT_TYPE_CREATED,
                          claims::v1::EVENT_TYPE_EVIDENCE_ADDED));
  EXPECT_EQ(events[1].previous_status(), kReported);
}

TEST_F(ClaimsApiTest, UpdateRequiresAnEvidenceSource) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  UpdateClaimStatusRequest request;
  request.set_name("claims/a");
  request.set_status(kConfirmed);
  EXPECT_THAT(UpdateClaimStatus(stub(), request),
              StatusIs(kInvalid, HasSubstr("evidence.source")));
  request.mutable_evidence()->set_url("https://example.org");
  EXPECT_THAT(UpdateClaimStatus(stub(), request),
              StatusIs(kInvalid, HasSubstr("evidence.source")));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(1));
}

TEST_F(ClaimsApiTest, UpdateWithAStaleExpectedRevisionIsAborted) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());  // revision 1
  ASSERT_OK(CreateClaim(stub(), "b", "x").status());  // revision 2
  EXPECT_THAT(UpdateClaimStatus(stub(), "claims/a", kConfirmed, "s", 2),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("claims/a")));
  ASSERT_OK_AND_ASSIGN(
      Claim updated, UpdateClaimStatus(stub(), "claims/a", kConfirmed, "s", 1));
  EXPECT_EQ(updated.revision(), 3);
  EXPECT_THAT(UpdateClaimStatus(stub(), "claims/a", kDenied, "s", 1),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_OK(UpdateClaimStatus(stub(), "claims/a", kDenied, "s", 3).status());
  EXPECT_THAT(UpdateClaimStatus(stub(), "claims/a", kDenied, "s", -1),
              StatusIs(kInvalid, HasSubstr("expected_revision")));
}

TEST_F(ClaimsApiTest, RacingCompareAndSetUpdatesLetExactlyOneWin) {
  constexpr int kRounds = 8;
  ASSERT_OK(CreateClaim(stub(), "contested", "x").status());
  std::unique_ptr<claims::v1::ClaimService::Stub> other = server_->NewStub();
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    ASSERT_OK_AND_ASSIGN(Claim current, GetClaim(stub(), "claims/contested"));
    std::latch start(2);
    absl::StatusOr<Claim> results[2];
    ClaimStub* stubs[2] = {&stub(), other.get()};
    std::vector<std::thread> threads;
    threads.reserve(2);
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        results[i] = UpdateClaimStatus(
            *stubs[i], "claims/contested", i == 0 ? kConfirmed : kDenied,
            absl::StrCat("writer ", i), current.revision());
      });
    }
    for (std::thread& thread : threads) thread.join();
    int ok = 0;
    int aborted = 0;
    for (const absl::StatusOr<Claim>& result : results) {
      if (result.ok()) ++ok;
      if (result.status().code() == absl::StatusCode::kAborted) ++aborted;
    }
    EXPECT_EQ(ok, 1) << results[0].status() << " / " << results[1].status();
    EXPECT_EQ(aborted, 1) << results[0].status() << " / "
                          << results[1].status();
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> events,
                       ListAllEvents(stub(), "claims/contested"));
  EXPECT_THAT(events, SizeIs(1 + kRounds));
}

TEST_F(ClaimsApiTest, UpdateOfAMissingClaimIsNotFound) {
  EXPECT_THAT(UpdateClaimStatus(stub(), "claims/ghost", kConfirmed, "s"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("claims/ghost")));
  EXPECT_THAT(UpdateClaimStatus(stub(), "ghost", kConfirmed, "s"),
              StatusIs(kInvalid, HasSubstr("name")));
}

TEST_F(ClaimsApiTest, UpdateRetryWithRequestIdWritesOnce) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  UpdateClaimStatusRequest request;
  request.set_name("claims/a");
  request.set_status(kConfirmed);
  *request.mutable_evidence() = MakeEvidence("AFP");
  request.set_request_id("update-1");
  ASSERT_OK_AND_ASSIGN(Claim first, UpdateClaimStatus(stub(), request));
  ASSERT_OK_AND_ASSIGN(Claim retry, UpdateClaimStatus(stub(), request));
  EXPECT_THAT(retry, EqualsProto(first));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(2));
  request.set_status(kDenied);
  EXPECT_THAT(UpdateClaimStatus(stub(), request),
              StatusIs(kInvalid, HasSubstr("request_id")));
}

// ---------------------------------------------------------------- DeleteClaim

TEST_F(ClaimsApiTest, DeletedClaimIsGoneButItsHistoryStays) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  ASSERT_OK(UpdateClaimStatus(stub(), "claims/a", kDenied, "s").status());
  ASSERT_OK(DeleteClaim(stub(), "claims/a"));
  EXPECT_THAT(GetClaim(stub(), "claims/a"),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> events,
                       ListAllEvents(stub(), "claims/a"));
  ASSERT_THAT(EventTypes(events),
              ElementsAre(claims::v1::EVENT_TYPE_CREATED,
                          claims::v1::EVENT_TYPE_STATUS_CHANGED,
                          claims::v1::EVENT_TYPE_DELETED));
  EXPECT_EQ(events[2].revision(), 3);
  EXPECT_EQ(events[2].claim().name(), "claims/a");
  EXPECT_EQ(events[2].claim().status(), kDenied);
  EXPECT_THAT(events[2].claim().evidence(), SizeIs(1));
  EXPECT_EQ(events[2].previous_status(), kDenied);
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(3));

  EXPECT_THAT(DeleteClaim(stub(), "claims/a"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(UpdateClaimStatus(stub(), "claims/a", kConfirmed, "s"),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<Claim> claims, ListAllClaims(stub()));
  EXPECT_THAT(claims, SizeIs(0));
}

TEST_F(ClaimsApiTest, DeleteWithAStaleExpectedRevisionIsAborted) {
  ASSERT_OK(CreateClaim(stub(), "a", "x").status());
  ASSERT_OK(UpdateClaimStatus(stub(), "claims/a", kConfirmed, "s").status());
  EXPECT_THAT(DeleteClaim(stub(), "claims/a", 1),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("claims/a")));
  EXPECT_OK(GetClaim(stub(), "claims/a").status());
  EXPECT_OK(DeleteClaim(stub(), "claims/a", 2));
  EXPECT_THAT(GetClaim(stub(), "claims/a"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ClaimsApiTest, DeleteOfAMissingClaimIsNotFound) {
  EXPECT_THAT(DeleteClaim(stub(), "claims/ghost"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("claims/ghost")));
  EXPECT_THAT(DeleteClaim(stub(), "claims/Ghost"),
              StatusIs(kInvalid, HasSubstr("name")));
  EXPECT_THAT(CurrentRevision(stub()), IsOkAndHolds(0));
}

// ------------------------------------------------------------------ Revisions

TEST_F(ClaimsApiTest, RevisionsAreGlobalDenseAndIncreasing) {
  ASSERT_OK_AND_ASSIGN(Claim a, CreateClaim(stub(), "a", "x"));
  ASSERT_OK_AND_ASSIGN(Claim b, CreateClaim(stub(), "b", "x"));
  ASSERT_OK_AND_ASSIGN(Claim a2,
                       UpdateClaimStatus(stub(), "claims/a", kConfirmed, "s"));
  ASSERT_OK_AND_ASSIGN(Claim b2,
                       UpdateClaimStatus(stub(), "claims/b", kDenied, "s"));
  ASSERT_OK(DeleteClaim(stub(), "claims/a"));
  ASSERT_OK_AND_ASSIGN(Claim c, CreateClaim(stub(), "c", "x"));
  EXPECT_THAT(std::vector<int64_t>({a.revision(), b.revision(), a2.revision(),
                                    b2.revision(), c.revision()}),
              ElementsAre(1, 2, 3, 4, 6));
  EXPECT_EQ(a2.create_revision(), 1);
  EXPECT_EQ(b2.create_revision(), 2);
  EXPECT_EQ(c.create_revision(), 6);
}

TEST_F(ClaimsApiTest, ConcurrentWritersGetDenseUniqueRevisions) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  constexpr int64_t kTotal = int64_t{kThreads} * kPerThread;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<std::vector<int64_t>> revisions(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<claims::v1::ClaimService::Stub> own = server_->NewStub();
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<Claim> claim =
            CreateClaim(*own, absl::StrCat("t", t, "-", i), "x");
        if (!claim.ok()) {
          ++failures;
          continue;
        }
        revisions[t].push_back(claim->revision());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  std::vector<int64_t> all;
  for (const std::vector<int64_t>& mine : revisions) {
    EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_THAT(all, ElementsAreArray(Range(1, kTotal)));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimEvent> events, ListAllEvents(stub()));
  EXPECT_THAT(Revisions(events), ElementsAreArray(Range(1, kTotal)));
}

}  // namespace
}  // namespace claimd::testing
