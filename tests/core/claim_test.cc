// Unit tests for the names in service/core/claim.h: status and event type
// names, parsing status names, and resource names.
#include "service/core/claim.h"

#include "gtest/gtest.h"

namespace claimd::core {
namespace {

TEST(StatusName, NamesEveryVerdict) {
  EXPECT_EQ(StatusName(VerificationStatus::kReported), "REPORTED");
  EXPECT_EQ(StatusName(VerificationStatus::kConfirmed), "CONFIRMED");
  EXPECT_EQ(StatusName(VerificationStatus::kDenied), "DENIED");
}

TEST(StatusName, UnspecifiedAndUnknownNumbersAreUnspecified) {
  EXPECT_EQ(StatusName(VerificationStatus::kUnspecified), "UNSPECIFIED");
  EXPECT_EQ(StatusName(static_cast<VerificationStatus>(42)), "UNSPECIFIED");
  EXPECT_EQ(StatusName(static_cast<VerificationStatus>(-1)), "UNSPECIFIED");
}

TEST(ParseStatusName, ParsesBareNames) {
  EXPECT_EQ(ParseStatusName("REPORTED"), VerificationStatus::kReported);
  EXPECT_EQ(ParseStatusName("CONFIRMED"), VerificationStatus::kConfirmed);
  EXPECT_EQ(ParseStatusName("DENIED"), VerificationStatus::kDenied);
}

TEST(ParseStatusName, IsCaseInsensitive) {
  EXPECT_EQ(ParseStatusName("confirmed"), VerificationStatus::kConfirmed);
  EXPECT_EQ(ParseStatusName("Denied"), VerificationStatus::kDenied);
  EXPECT_EQ(ParseStatusName("rEpOrTeD"), VerificationStatus::kReported);
}

TEST(ParseStatusName, AcceptsTheProtoPrefix) {
  EXPECT_EQ(ParseStatusName("VERIFICATION_STATUS_CONFIRMED"),
            VerificationStatus::kConfirmed);
  EXPECT_EQ(ParseStatusName("verification_status_denied"),
            VerificationStatus::kDenied);
}

TEST(ParseStatusName, RoundTripsStatusName) {
  for (VerificationStatus status :
       {VerificationStatus::kReported, VerificationStatus::kConfirmed,
        VerificationStatus::kDenied}) {
    EXPECT_EQ(ParseStatusName(StatusName(status)), status)
        << StatusName(status);
  }
}

TEST(ParseStatusName, AnythingElseIsUnspecified) {
  for (absl::string_view text :
       {"", "UNSPECIFIED", "VERIFICATION_STATUS_UNSPECIFIED",
        "VERIFICATION_STATUS_", "CONFIRM", "CONFIRMED ", " DENIED",
        "STATUS_DENIED", "2", "REPORTEDX"}) {
    EXPECT_EQ(ParseStatusName(text), VerificationStatus::kUnspecified)
        << "\"" << text << "\"";
  }
}

TEST(EventTypeName, NamesEveryType) {
  EXPECT_EQ(EventTypeName(EventType::kCreated), "CREATED");
  EXPECT_EQ(EventTypeName(EventType::kStatusChanged), "STATUS_CHANGED");
  EXPECT_EQ(EventTypeName(EventType::kEvidenceAdded), "EVIDENCE_ADDED");
  EXPECT_EQ(EventTypeName(EventType::kDeleted), "DELETED");
  EXPECT_EQ(EventTypeName(EventType::kSnapshot), "SNAPSHOT");
}

TEST(EventTypeName, UnspecifiedAndUnknownNumbersAreUnspecified) {
  EXPECT_EQ(EventTypeName(EventType::kUnspecified), "UNSPECIFIED");
  EXPECT_EQ(EventTypeName(static_cast<EventType>(99)), "UNSPECIFIED");
}

TEST(ClaimName, PrefixesTheId) {
  EXPECT_EQ(ClaimName("abc-123"), "claims/abc-123");
  EXPECT_EQ(ClaimName(""), "claims/");
}

}  // namespace
}  // namespace claimd::core
