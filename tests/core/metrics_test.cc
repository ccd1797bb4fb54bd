// How each kind of event moves the claims-per-status count that the metrics
// keep without rescanning the store.
#include "service/core/metrics.h"

#include "gtest/gtest.h"

namespace claimd::core {
namespace {

ClaimEvent Event(EventType type, VerificationStatus before,
                 VerificationStatus after) {
  ClaimEvent event;
  event.type = type;
  event.previous_status = before;
  event.claim.status = after;
  return event;
}

constexpr auto kNone = VerificationStatus::kUnspecified;
constexpr auto kReported = VerificationStatus::kReported;
constexpr auto kConfirmed = VerificationStatus::kConfirmed;
constexpr auto kDenied = VerificationStatus::kDenied;

TEST(StatusChangeOf, CreatedAddsItsStatus) {
  StatusChange change =
      StatusChangeOf(Event(EventType::kCreated, kNone, kConfirmed));
  EXPECT_EQ(change.removed, kNone);
  EXPECT_EQ(change.added, kConfirmed);
}

TEST(StatusChangeOf, StatusChangeMovesOneClaimBetweenStatuses) {
  StatusChange change =
      StatusChangeOf(Event(EventType::kStatusChanged, kReported, kDenied));
  EXPECT_EQ(change.removed, kReported);
  EXPECT_EQ(change.added, kDenied);
}

TEST(StatusChangeOf, EvidenceWithTheSameStatusChangesNothing) {
  StatusChange change =
      StatusChangeOf(Event(EventType::kEvidenceAdded, kConfirmed, kConfirmed));
  EXPECT_EQ(change.removed, kNone);
  EXPECT_EQ(change.added, kNone);
}

TEST(StatusChangeOf, DeletedRemovesTheLastStatus) {
  StatusChange change =
      StatusChangeOf(Event(EventType::kDeleted, kDenied, kDenied));
  EXPECT_EQ(change.removed, kDenied);
  EXPECT_EQ(change.added, kNone);
}

TEST(StatusChangeOf, SnapshotEventsAreNotChanges) {
  StatusChange change =
      StatusChangeOf(Event(EventType::kSnapshot, kNone, kReported));
  EXPECT_EQ(change.removed, kNone);
  EXPECT_EQ(change.added, kNone);
}

TEST(NoMetrics, AcceptsEveryHook) {
  Metrics& metrics = NoMetrics();
  EXPECT_EQ(&metrics, &NoMetrics());  // one instance for the whole program
  metrics.OnCommit(absl::Milliseconds(1), 1);
  metrics.OnEventsApplied({});
  metrics.OnRpcFinished("/x/y", "OK", true, absl::Milliseconds(1));
}

}  // namespace
}  // namespace claimd::core
