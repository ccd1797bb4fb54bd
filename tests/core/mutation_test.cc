// Unit tests for the mutation rules (service/core/mutation.h): what each
// mutation does to a stored claim, the status-transition table, the
// compare-and-set on expected_revision, the evidence bound, and the request
// fingerprint used to tell a retry from a reused request_id.
#include "service/core/mutation.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/claim.h"
#include "service/core/limits.h"
#include "tests/testing/status_matchers.h"

namespace claimd::core {
namespace {

using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kCreated = absl::FromUnixSeconds(1700000000);
const absl::Time kNow = absl::FromUnixSeconds(1700000500);

Evidence MakeEvidence(std::string source) {
  return Evidence{.source = std::move(source),
                  .url = "https://example.org/a",
                  .quote = "we never said that",
                  .note = "phone call",
                  .actor = "desk@example.org"};
}

// A claim as a store would hold it: created at revision 3, changed at 5.
Claim StoredClaim(VerificationStatus status = VerificationStatus::kReported) {
  Evidence first = MakeEvidence("newswire");
  first.status = VerificationStatus::kReported;
  first.revision = 3;
  first.time = kCreated;
  return Claim{.id = "abc",
               .statement = "The minister resigned",
               .status = status,
               .labels = {{"desk", "world"}},
               .evidence = {first},
               .revision = 5,
               .create_revision = 3,
               .create_time = kCreated,
               .update_time = kCreated + absl::Minutes(1)};
}

Mutation Create(Claim claim, bool id_generated = false) {
  return Mutation{.op = CreateClaim{.claim = std::move(claim),
                                    .id_generated = id_generated}};
}

Mutation Update(VerificationStatus status, int64_t expected_revision = 0,
                Evidence evidence = MakeEvidence("ministry")) {
  return Mutation{
      .op = UpdateClaimStatus{.claim_id = "abc",
                              .status = status,
                              .evidence = std::move(evidence),
                              .expected_revision = expected_revision}};
}

Mutation Delete(int64_t expected_revision = 0) {
  return Mutation{.op = DeleteClaim{.claim_id = "abc",
                                    .expected_revision = expected_revision}};
}

Claim NewClaim() {
  return Claim{.id = "abc",
               .statement = "The minister resigned",
               .labels = {{"desk", "world"}, {"lang", "en"}}};
}

// --- Create ---

TEST(CreateRules, RecordsTheClaimAtTheRevision) {
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Create(NewClaim()), nullptr, 9, kNow));
  EXPECT_EQ(event.revision, 9);
  EXPECT_EQ(event.type, EventType::kCreated);
  EXPECT_EQ(event.event_time, kNow);
  EXPECT_EQ(event.previous_status, VerificationStatus::kUnspecified);
  EXPECT_EQ(event.claim.id, "abc");
  EXPECT_EQ(event.claim.statement, "The minister resigned");
  EXPECT_EQ(event.claim.labels, (std::map<std::string, std::string>{
                                    {"desk", "world"}, {"lang", "en"}}));
  EXPECT_EQ(event.claim.revision, 9);
  EXPECT_EQ(event.claim.create_revision, 9);
  EXPECT_EQ(event.claim.create_time, kNow);
  EXPECT_EQ(event.claim.update_time, kNow);
}

TEST(CreateRules, DefaultsToReported) {
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Create(NewClaim()), nullptr, 1, kNow));
  EXPECT_EQ(event.claim.status, VerificationStatus::kReported);
}

TEST(CreateRules, KeepsAGivenStatus) {
  Claim claim = NewClaim();
  claim.status = VerificationStatus::kDenied;
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Create(claim), nullptr, 1, kNow));
  EXPECT_EQ(event.claim.status, VerificationStatus::kDenied);
}

TEST(CreateRules, IgnoresOutputOnlyFields) {
  Claim claim = NewClaim();
  claim.revision = 77;
  claim.create_revision = 66;
  claim.create_time = kCreated;
  claim.update_time = kCreated;
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Create(claim), nullptr, 4, kNow));
  EXPECT_EQ(event.claim.revision, 4);
  EXPECT_EQ(event.claim.create_revision, 4);
  EXPECT_EQ(event.claim.create_time, kNow);
  EXPECT_EQ(event.claim.update_time, kNow);
}

TEST(CreateRules, FillsInitialEvidenceWithStatusRevisionAndTime) {
  Claim claim = NewClaim();
  claim.status = VerificationStatus::kConfirmed;
  Evidence untimed = MakeEvidence("a");
  untimed.status = VerificationStatus::kDenied;  // output-only: overwritten
  untimed.revision = 1234;                       // output-only: overwritten
  Evidence timed = MakeEvidence("b");
  timed.time = kCreated;
  claim.evidence = {untimed, timed};
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Create(claim), nullptr, 8, kNow));
  ASSERT_EQ(event.claim.evidence.size(), 2u);
  const Evidence& a = event.claim.evidence[0];
  EXPECT_EQ(a.source, "a");
  EXPECT_EQ(a.status, VerificationStatus::kConfirmed);
  EXPECT_EQ(a.revision, 8);
  EXPECT_EQ(a.time, kNow);
  const Evidence& b = event.claim.evidence[1];
  EXPECT_EQ(b.source, "b");
  EXPECT_EQ(b.status, VerificationStatus::kConfirmed);
  EXPECT_EQ(b.revision, 8);
  EXPECT_EQ(b.time, kCreated);
}

TEST(CreateRules, InitialEvidenceOfADefaultedClaimIsReported) {
  Claim claim = NewClaim();
  claim.evidence = {MakeEvidence("a")};
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Create(claim), nullptr, 2, kNow));
  ASSERT_EQ(event.claim.evidence.size(), 1u);
  EXPECT_EQ(event.claim.evidence[0].status, VerificationStatus::kReported);
}

TEST(CreateRules, ExistingClaimIsAlreadyExists) {
  Claim stored = StoredClaim();
  EXPECT_THAT(
      ApplyMutation(Create(NewClaim()), &stored, 6, kNow),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("claims/abc")));
}

// --- UpdateClaimStatus: the transition table ---

struct Transition {
  VerificationStatus from;
  VerificationStatus to;
  EventType type;
};

class StatusTransitionTable : public ::testing::TestWithParam<Transition> {};

TEST_P(StatusTransitionTable, RecordsTheVerdictWithTheRightEventType) {
  const Transition& t = GetParam();
  Claim stored = StoredClaim(t.from);
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Update(t.to), &stored, 6, kNow));
  EXPECT_EQ(event.type, t.type) << EventTypeName(event.type);
  EXPECT_EQ(event.claim.status, t.to);
  EXPECT_EQ(event.previous_status, t.from);
}

constexpr VerificationStatus kR = VerificationStatus::kReported;
constexpr VerificationStatus kC = VerificationStatus::kConfirmed;
constexpr VerificationStatus kD = VerificationStatus::kDenied;
constexpr EventType kChanged = EventType::kStatusChanged;
constexpr EventType kAdded = EventType::kEvidenceAdded;

INSTANTIATE_TEST_SUITE_P(
    EveryVerdictPair, StatusTransitionTable,
    ::testing::Values(Transition{kR, kR, kAdded}, Transition{kR, kC, kChanged},
                      Transition{kR, kD, kChanged},
                      Transition{kC, kR, kChanged}, Transition{kC, kC, kAdded},
                      Transition{kC, kD, kChanged},
                      Transition{kD, kR, kChanged},
                      Transition{kD, kC, kChanged}, Transition{kD, kD, kAdded},
                      // A claim is never stored unspecified; if one were, any
                      // verdict is a change.
                      Transition{VerificationStatus::kUnspecified, kC,
                                 kChanged}),
    [](const ::testing::TestParamInfo<Transition>& info) {
      return absl::StrCat(StatusName(info.param.from), "To",
                          StatusName(info.param.to));
    });

TEST(StatusRules, ConfirmedCanBeDeniedWithEvidence) {
  Claim stored = StoredClaim(VerificationStatus::kConfirmed);
  ASSERT_OK_AND_ASSIGN(
      ClaimEvent event,
      ApplyMutation(Update(VerificationStatus::kDenied), &stored, 6, kNow));
  EXPECT_EQ(event.type, EventType::kStatusChanged);
  EXPECT_EQ(event.claim.status, VerificationStatus::kDenied);
  EXPECT_EQ(event.previous_status, VerificationStatus::kConfirmed);
  ASSERT_EQ(event.claim.evidence.size(), 2u);
  EXPECT_EQ(event.claim.evidence[1].source, "ministry");
  EXPECT_EQ(event.claim.evidence[1].status, VerificationStatus::kDenied);
}

TEST(StatusRules, SameVerdictAgainOnlyAddsEvidence) {
  Claim stored = StoredClaim(VerificationStatus::kDenied);
  ASSERT_OK_AND_ASSIGN(
      ClaimEvent event,
      ApplyMutation(Update(VerificationStatus::kDenied), &stored, 6, kNow));
  EXPECT_EQ(event.type, EventType::kEvidenceAdded);
  EXPECT_EQ(event.claim.status, VerificationStatus::kDenied);
  EXPECT_EQ(event.claim.evidence.size(), 2u);
}

TEST(StatusRules, UnspecifiedVerdictIsInvalidArgument) {
  Claim stored = StoredClaim();
  EXPECT_THAT(
      ApplyMutation(Update(VerificationStatus::kUnspecified), &stored, 6, kNow),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StatusRules, UnknownVerdictNumberIsInvalidArgument) {
  Claim stored = StoredClaim();
  for (int number : {-1, 4, 100}) {
    EXPECT_THAT(ApplyMutation(Update(static_cast<VerificationStatus>(number)),
                              &stored, 6, kNow),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << number;
  }
}

TEST(StatusRules, AppendsEvidenceFilledWithStatusRevisionAndTime) {
  Claim stored = StoredClaim();
  Evidence evidence = MakeEvidence("ministry");
  evidence.status = VerificationStatus::kDenied;  // output-only: overwritten
  evidence.revision = 999;                        // output-only: overwritten
  ASSERT_OK_AND_ASSIGN(
      ClaimEvent event,
      ApplyMutation(Update(VerificationStatus::kConfirmed, 0, evidence),
                    &stored, 6, kNow));
  ASSERT_EQ(event.claim.evidence.size(), 2u);
  EXPECT_EQ(event.claim.evidence[0], stored.evidence[0]);
  Evidence expected = MakeEvidence("ministry");
  expected.status = VerificationStatus::kConfirmed;
  expected.revision = 6;
  expected.time = kNow;
  EXPECT_EQ(event.claim.evidence[1], expected);
}

TEST(StatusRules, KeepsTheTimeTheSourceGave) {
  Claim stored = StoredClaim();
  Evidence evidence = MakeEvidence("ministry");
  evidence.time = kCreated - absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(
      ClaimEvent event,
      ApplyMutation(Update(VerificationStatus::kConfirmed, 0, evidence),
                    &stored, 6, kNow));
  ASSERT_EQ(event.claim.evidence.size(), 2u);
  EXPECT_EQ(event.claim.evidence[1].time, kCreated - absl::Hours(1));
}

TEST(StatusRules, UpdatesRevisionAndUpdateTimeOnly) {
  Claim stored = StoredClaim();
  ASSERT_OK_AND_ASSIGN(
      ClaimEvent event,
      ApplyMutation(Update(VerificationStatus::kConfirmed), &stored, 6, kNow));
  EXPECT_EQ(event.revision, 6);
  EXPECT_EQ(event.event_time, kNow);
  EXPECT_EQ(event.claim.revision, 6);
  EXPECT_EQ(event.claim.update_time, kNow);
  EXPECT_EQ(event.claim.id, stored.id);
  EXPECT_EQ(event.claim.statement, stored.statement);
  EXPECT_EQ(event.claim.labels, stored.labels);
  EXPECT_EQ(event.claim.create_revision, stored.create_revision);
  EXPECT_EQ(event.claim.create_time, stored.create_time);
}

TEST(StatusRules, MissingClaimIsNotFound) {
  EXPECT_THAT(
      ApplyMutation(Update(VerificationStatus::kConfirmed), nullptr, 6, kNow),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("claims/abc")));
}

TEST(StatusRules, MatchingExpectedRevisionIsApplied) {
  Claim stored = StoredClaim();
  EXPECT_THAT(ApplyMutation(Update(VerificationStatus::kConfirmed, 5), &stored,
                            6, kNow),
              IsOk());
}

TEST(StatusRules, StaleExpectedRevisionIsAborted) {
  Claim stored = StoredClaim();
  EXPECT_THAT(ApplyMutation(Update(VerificationStatus::kConfirmed, 4), &stored,
                            6, kNow),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("revision 5")));
}

TEST(StatusRules, ExpectedRevisionAheadOfTheClaimIsAborted) {
  Claim stored = StoredClaim();
  EXPECT_THAT(ApplyMutation(Update(VerificationStatus::kConfirmed, 6), &stored,
                            6, kNow),
              StatusIs(absl::StatusCode::kAborted));
}

TEST(StatusRules, EvidenceBelowTheLimitCanStillBeAdded) {
  Claim stored = StoredClaim();
  stored.evidence.resize(kMaxEvidencePerClaim - 1);
  ASSERT_OK_AND_ASSIGN(
      ClaimEvent event,
      ApplyMutation(Update(VerificationStatus::kConfirmed), &stored, 6, kNow));
  EXPECT_EQ(event.claim.evidence.size(), kMaxEvidencePerClaim);
}

TEST(StatusRules, FullEvidenceIsFailedPrecondition) {
  Claim stored = StoredClaim();
  stored.evidence.resize(kMaxEvidencePerClaim);
  EXPECT_THAT(
      ApplyMutation(Update(VerificationStatus::kConfirmed), &stored, 6, kNow),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(absl::StrCat(kMaxEvidencePerClaim))));
}

// --- Delete ---

TEST(DeleteRules, RecordsTheLastState) {
  Claim stored = StoredClaim(VerificationStatus::kConfirmed);
  ASSERT_OK_AND_ASSIGN(ClaimEvent event,
                       ApplyMutation(Delete(), &stored, 6, kNow));
  EXPECT_EQ(event.revision, 6);
  EXPECT_EQ(event.type, EventType::kDeleted);
  EXPECT_EQ(event.event_time, kNow);
  EXPECT_EQ(event.previous_status, VerificationStatus::kConfirmed);
  EXPECT_EQ(event.claim, stored);
}

TEST(DeleteRules, MissingClaimIsNotFound) {
  EXPECT_THAT(ApplyMutation(Delete(), nullptr, 6, kNow),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("claims/abc")));
}

TEST(DeleteRules, MatchingExpectedRevisionIsApplied) {
  Claim stored = StoredClaim();
  EXPECT_THAT(ApplyMutation(Delete(5), &stored, 6, kNow), IsOk());
}

TEST(DeleteRules, StaleExpectedRevisionIsAborted) {
  Claim stored = StoredClaim();
  EXPECT_THAT(ApplyMutation(Delete(3), &stored, 6, kNow),
              StatusIs(absl::StatusCode::kAborted));
}

// --- Mutation::claim_id ---

TEST(MutationClaimId, NamesTheClaimOfEveryKind) {
  Claim claim = NewClaim();
  claim.id = "from-create";
  EXPECT_EQ(Create(claim).claim_id(), "from-create");
  EXPECT_EQ(Update(VerificationStatus::kDenied).claim_id(), "abc");
  EXPECT_EQ(Delete().claim_id(), "abc");
}

// --- MutationFingerprint ---

Mutation FullCreate() {
  Claim claim = NewClaim();
  claim.status = VerificationStatus::kConfirmed;
  Evidence evidence = MakeEvidence("wire");
  evidence.time = kCreated;
  claim.evidence = {evidence, MakeEvidence("second")};
  return Create(claim);
}

Mutation FullUpdate() {
  Evidence evidence = MakeEvidence("ministry");
  evidence.time = kCreated;
  return Update(VerificationStatus::kDenied, 5, evidence);
}

TEST(MutationFingerprint, EqualForEqualRequests) {
  EXPECT_EQ(MutationFingerprint(FullCreate()),
            MutationFingerprint(FullCreate()));
  EXPECT_EQ(MutationFingerprint(FullUpdate()),
            MutationFingerprint(FullUpdate()));
  EXPECT_EQ(MutationFingerprint(Delete(5)), MutationFingerprint(Delete(5)));
}

TEST(MutationFingerprint, IsStableAcrossProcessesAndReleases) {
  // FNV-1a 64 over the operation index, the length-prefixed claim id and the
  // expected revision, each integer as 8 little-endian bytes. Fingerprints are
  // stored with request ids, so this value must never change.
  EXPECT_EQ(MutationFingerprint(Delete(5)), 0x0b5fe1d8305b74e9u);
}

TEST(MutationFingerprint, IgnoresRequestId) {
  Mutation a = FullUpdate();
  Mutation b = FullUpdate();
  a.request_id = "one";
  b.request_id = "two";
  EXPECT_EQ(MutationFingerprint(a), MutationFingerprint(b));
}

TEST(MutationFingerprint, IgnoresGeneratedClaimId) {
  Mutation a = FullCreate();
  Mutation b = FullCreate();
  std::get<CreateClaim>(a.op).claim.id = "aaaaaaaaaaaaaaaa";
  std::get<CreateClaim>(a.op).id_generated = true;
  std::get<CreateClaim>(b.op).claim.id = "bbbbbbbbbbbbbbbb";
  std::get<CreateClaim>(b.op).id_generated = true;
  EXPECT_EQ(MutationFingerprint(a), MutationFingerprint(b));
}

TEST(MutationFingerprint, CountsAGivenClaimId) {
  Mutation a = FullCreate();
  Mutation b = FullCreate();
  std::get<CreateClaim>(b.op).claim.id = "other";
  EXPECT_NE(MutationFingerprint(a), MutationFingerprint(b));
}

TEST(MutationFingerprint, IgnoresOutputOnlyEvidenceFields) {
  Mutation a = FullUpdate();
  Mutation b = FullUpdate();
  std::get<UpdateClaimStatus>(b.op).evidence.status =
      VerificationStatus::kConfirmed;
  std::get<UpdateClaimStatus>(b.op).evidence.revision = 42;
  EXPECT_EQ(MutationFingerprint(a), MutationFingerprint(b));
}

// Every change to `evidence` that a fingerprint must notice.
std::vector<std::pair<std::string, void (*)(Evidence&)>> EvidenceChanges() {
  return {
      {"source", [](Evidence& e) { e.source += "x"; }},
      {"url", [](Evidence& e) { e.url += "x"; }},
      {"quote", [](Evidence& e) { e.quote += "x"; }},
      {"note", [](Evidence& e) { e.note += "x"; }},
      {"actor", [](Evidence& e) { e.actor += "x"; }},
      {"time", [](Evidence& e) { e.time += absl::Nanoseconds(1); }},
  };
}

TEST(MutationFingerprint, DiffersWhenAnyCreateFieldDiffers) {
  const uint64_t base = MutationFingerprint(FullCreate());
  std::vector<std::pair<std::string, void (*)(Claim&)>> changes = {
      {"id", [](Claim& c) { c.id = "abd"; }},
      {"statement", [](Claim& c) { c.statement += "."; }},
      {"status", [](Claim& c) { c.status = VerificationStatus::kDenied; }},
      {"unspecified status",
       [](Claim& c) { c.status = VerificationStatus::kUnspecified; }},
      {"label value", [](Claim& c) { c.labels["desk"] = "home"; }},
      {"label key",
       [](Claim& c) {
         c.labels.erase("desk");
         c.labels["desl"] = "world";
       }},
      {"extra label", [](Claim& c) { c.labels["more"] = ""; }},
      {"fewer labels", [](Claim& c) { c.labels.clear(); }},
      {"extra evidence", [](Claim& c) { c.evidence.push_back(Evidence{}); }},
      {"fewer evidence", [](Claim& c) { c.evidence.pop_back(); }},
      {"evidence order",
       [](Claim& c) {
         std::swap(c.evidence.Mutable(0), c.evidence.Mutable(1));
       }},
  };
  for (const auto& [what, change] : changes) {
    Mutation m = FullCreate();
    change(std::get<CreateClaim>(m.op).claim);
    EXPECT_NE(MutationFingerprint(m), base) << what;
  }
  for (const auto& [what, change] : EvidenceChanges()) {
    Mutation m = FullCreate();
    change(std::get<CreateClaim>(m.op).claim.evidence.Mutable(0));
    EXPECT_NE(MutationFingerprint(m), base) << "evidence " << what;
  }
}

TEST(MutationFingerprint, DiffersWhenAnyUpdateFieldDiffers) {
  const uint64_t base = MutationFingerprint(FullUpdate());
  std::vector<std::pair<std::string, void (*)(UpdateClaimStatus&)>> changes = {
      {"claim_id", [](UpdateClaimStatus& u) { u.claim_id = "abd"; }},
      {"status",
       [](UpdateClaimStatus& u) { u.status = VerificationStatus::kConfirmed; }},
      {"expected_revision",
       [](UpdateClaimStatus& u) { u.expected_revision = 6; }},
      {"no expected_revision",
       [](UpdateClaimStatus& u) { u.expected_revision = 0; }},
  };
  for (const auto& [what, change] : changes) {
    Mutation m = FullUpdate();
    change(std::get<UpdateClaimStatus>(m.op));
    EXPECT_NE(MutationFingerprint(m), base) << what;
  }
  for (const auto& [what, change] : EvidenceChanges()) {
    Mutation m = FullUpdate();
    change(std::get<UpdateClaimStatus>(m.op).evidence);
    EXPECT_NE(MutationFingerprint(m), base) << "evidence " << what;
  }
}

TEST(MutationFingerprint, DiffersWhenAnyDeleteFieldDiffers) {
  EXPECT_NE(MutationFingerprint(Delete(5)), MutationFingerprint(Delete(4)));
  EXPECT_NE(MutationFingerprint(Delete(5)), MutationFingerprint(Delete(0)));
  Mutation other = Delete(5);
  std::get<DeleteClaim>(other.op).claim_id = "abd";
  EXPECT_NE(MutationFingerprint(Delete(5)), MutationFingerprint(other));
}

TEST(MutationFingerprint, DiffersBetweenKinds) {
  // Same claim id and expected revision, different operation.
  Mutation update = Update(VerificationStatus::kUnspecified, 5, Evidence{});
  EXPECT_NE(MutationFingerprint(update), MutationFingerprint(Delete(5)));
}

TEST(MutationFingerprint, FieldBoundariesMatter) {
  Mutation a = FullUpdate();
  Mutation b = FullUpdate();
  std::get<UpdateClaimStatus>(a.op).evidence.source = "ab";
  std::get<UpdateClaimStatus>(a.op).evidence.url = "c";
  std::get<UpdateClaimStatus>(b.op).evidence.source = "a";
  std::get<UpdateClaimStatus>(b.op).evidence.url = "bc";
  EXPECT_NE(MutationFingerprint(a), MutationFingerprint(b));
}

TEST(MutationFingerprint, EvidenceTimeAtUnixEpochDiffersFromNoTime) {
  // A source that states 1970-01-01T00:00:00Z is a different request from one
  // that states no time (the store then records the commit time).
  Mutation unset = FullUpdate();
  std::get<UpdateClaimStatus>(unset.op).evidence.time = absl::InfinitePast();
  Mutation epoch = FullUpdate();
  std::get<UpdateClaimStatus>(epoch.op).evidence.time = absl::UnixEpoch();
  EXPECT_NE(MutationFingerprint(unset), MutationFingerprint(epoch));
}

TEST(MutationFingerprint, DistinctFarFutureEvidenceTimesDiffer) {
  // proto Timestamps reach year 9999; int64 nanoseconds end in 2262.
  Mutation a = FullUpdate();
  std::get<UpdateClaimStatus>(a.op).evidence.time = absl::FromCivil(
      absl::CivilSecond(3000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  Mutation b = FullUpdate();
  std::get<UpdateClaimStatus>(b.op).evidence.time = absl::FromCivil(
      absl::CivilSecond(4000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_NE(MutationFingerprint(a), MutationFingerprint(b));
}

}  // namespace
}  // namespace claimd::core
