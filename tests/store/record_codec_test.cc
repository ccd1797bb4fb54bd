// The store's record format: every field of a claim and an event survives a
// round trip.
#include "service/store/record_codec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::store {
namespace {

using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

core::Claim FullClaim() {
  core::Claim claim;
  claim.id = "c1";
  claim.statement = "The bridge opened in 1932.";
  claim.status = core::VerificationStatus::kDenied;
  claim.labels = {{"desk", "world"}, {"lang", "en"}};
  core::Evidence dated;
  dated.source = "archive";
  dated.url = "https://example.com/a";
  dated.quote = "opened in 1933";
  dated.note = "checked twice";
  dated.actor = "ana";
  dated.time =
      absl::FromUnixNanos(-1234567890123);  // before the epoch, with nanos
  dated.status = core::VerificationStatus::kDenied;
  dated.revision = 7;
  core::Evidence undated = dated;
  undated.time = absl::InfinitePast();
  undated.revision = 8;
  claim.evidence = {dated, undated};
  claim.revision = 8;
  claim.create_revision = 3;
  claim.create_time = absl::FromUnixNanos(1700000000123456789);
  claim.update_time = absl::FromUnixNanos(1700000100987654321);
  return claim;
}

TEST(RecordCodec, ClaimRoundTripsExactly) {
  const core::Claim claim = FullClaim();
  ASSERT_OK_AND_ASSIGN(core::Claim decoded, DecodeClaim(EncodeClaim(claim)));
  EXPECT_EQ(decoded, claim);
  EXPECT_EQ(decoded.evidence[1].time, absl::InfinitePast());
}

TEST(RecordCodec, DefaultClaimRoundTrips) {
  ASSERT_OK_AND_ASSIGN(core::Claim decoded,
                       DecodeClaim(EncodeClaim(core::Claim())));
  EXPECT_EQ(decoded, core::Claim());
}

TEST(RecordCodec, EventRoundTripsExactly) {
  core::ClaimEvent event;
  event.revision = 8;
  event.type = core::EventType::kStatusChanged;
  event.claim = FullClaim();
  event.previous_status = core::VerificationStatus::kConfirmed;
  event.event_time = absl::FromUnixNanos(1700000100987654321);
  ASSERT_OK_AND_ASSIGN(core::ClaimEvent decoded,
                       DecodeEvent(EncodeEvent(event)));
  EXPECT_EQ(decoded, event);
}

TEST(RecordCodec, HeadEvidenceAndChangeRebuildTheEvent) {
  for (const core::EventType type :
       {core::EventType::kStatusChanged, core::EventType::kDeleted}) {
    core::ClaimEvent event;
    event.revision = 300;  // past one varint byte
    event.type = type;
    event.claim = FullClaim();
    event.claim.statement.assign(200, 's');  // a length past one varint byte
    event.previous_status = core::VerificationStatus::kConfirmed;
    event.event_time = absl::FromUnixNanos(1700000200000000001);
    if (type != core::EventType::kDeleted) {
      event.claim.revision = event.revision;
      event.claim.update_time = event.event_time;
    }
    std::string bytes;
    EncodeClaimHead(event.claim, &bytes);
    ASSERT_OK_AND_ASSIGN(const ClaimHead head, DecodeClaimHead(bytes));
    EXPECT_TRUE(head.claim.evidence.empty());
    EXPECT_EQ(head.evidence_count, 2);
    core::EvidenceList evidence;
    for (const core::Evidence& item : event.claim.evidence) {
      EncodeEvidence(item, &bytes);
      ASSERT_OK_AND_ASSIGN(core::Evidence decoded, DecodeEvidence(bytes));
      evidence.push_back(decoded);
    }
    evidence.push_back(evidence.front());  // a later item: must be left out
    EncodeEventChange(event, &bytes);
    ASSERT_OK_AND_ASSIGN(const EventChange change, DecodeEventChange(bytes));
    ASSERT_OK_AND_ASSIGN(core::ClaimEventPtr rebuilt,
                         AssembleEvent(change, head.claim, evidence));
    EXPECT_EQ(*rebuilt, event) << core::EventTypeName(type);
  }
}

TEST(RecordCodec, AssemblyRefusesMissingEvidenceOrAnotherIncarnation) {
  core::ClaimEvent event;
  event.revision = 9;
  event.type = core::EventType::kEvidenceAdded;
  event.claim = FullClaim();
  std::string bytes;
  EncodeEventChange(event, &bytes);
  ASSERT_OK_AND_ASSIGN(const EventChange change, DecodeEventChange(bytes));
  EXPECT_THAT(AssembleEvent(change, event.claim, {event.claim.evidence[0]}),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("database file is corrupt")));
  core::Claim other = event.claim;
  other.create_revision = 4;
  EXPECT_THAT(AssembleEvent(change, other, event.claim.evidence),
              StatusIs(absl::StatusCode::kInternal));
}

TEST(RecordCodec, Schema1RecordsAreNotMistakenForSchema2) {
  core::ClaimEvent event;
  event.revision = 3;
  event.claim = FullClaim();
  EXPECT_THAT(DecodeEventChange(EncodeEvent(event)),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(DecodeClaimHead(EncodeClaim(FullClaim())),
              StatusIs(absl::StatusCode::kInternal));
}

TEST(RecordCodec, InfiniteTimesRoundTrip) {
  core::Claim claim;
  claim.create_time = absl::InfinitePast();
  claim.update_time = absl::InfiniteFuture();
  ASSERT_OK_AND_ASSIGN(core::Claim decoded, DecodeClaim(EncodeClaim(claim)));
  EXPECT_EQ(decoded.create_time, absl::InfinitePast());
  EXPECT_EQ(decoded.update_time, absl::InfiniteFuture());
}

TEST(RecordCodec, GarbageIsReportedAsCorruption) {
  EXPECT_THAT(DecodeClaim("\xff\xff\xff"),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("database file is corrupt")));
  EXPECT_THAT(DecodeEvent("\x0a\x05"
                          "ab"),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("database file is corrupt")));
}

}  // namespace
}  // namespace claimd::store
