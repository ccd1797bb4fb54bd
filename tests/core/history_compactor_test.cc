// HistoryCompactor on a fake store and a ManualMonotonicClock: when it
// compacts, to which revision, what it does on errors, and that its thread
// stops without waiting out the interval.
#include "service/core/history_compactor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/util/monotonic_clock.h"
#include "tests/testing/status_matchers.h"

namespace claimd::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Revisions only: the compactor reads nothing else. Records every Compact
// call and answers it with `compact_result`.
class RevisionStore : public ClaimStore {
 public:
  void Submit(Mutation /*mutation*/, MutationCallback done) override {
    std::move(done)(absl::UnimplementedError("RevisionStore"));
  }
  absl::StatusOr<Claim> Get(const std::string& /*claim_id*/) override {
    return absl::UnimplementedError("RevisionStore");
  }
  absl::StatusOr<ClaimPage> List(const ListClaimsQuery& /*query*/) override {
    return absl::UnimplementedError("RevisionStore");
  }
  absl::StatusOr<EventPage> ListEvents(
      const ListEventsQuery& /*query*/) override {
    return absl::UnimplementedError("RevisionStore");
  }
  absl::StatusOr<Snapshot> ReadSnapshot(const Filter& /*filter*/) override {
    return absl::UnimplementedError("RevisionStore");
  }
  std::string StoreId() override { return "revision-store"; }
  void Close() override {}

  int64_t CurrentRevision() override {
    absl::MutexLock lock(&mutex_);
    return current_;
  }
  int64_t CompactRevision() override {
    absl::MutexLock lock(&mutex_);
    return compacted_;
  }
  absl::Status Compact(int64_t revision) override {
    absl::MutexLock lock(&mutex_);
    calls_.push_back(revision);
    if (compact_result_.ok()) compacted_ = revision;
    if (!compacted_once_.HasBeenNotified()) compacted_once_.Notify();
    return compact_result_;
  }

  void SetCurrent(int64_t revision) {
    absl::MutexLock lock(&mutex_);
    current_ = revision;
  }
  void SetCompactResult(absl::Status status) {
    absl::MutexLock lock(&mutex_);
    compact_result_ = std::move(status);
  }
  std::vector<int64_t> calls() {
    absl::MutexLock lock(&mutex_);
    return calls_;
  }
  // Notified on the first Compact call.
  absl::Notification& compacted_once() { return compacted_once_; }

 private:
  absl::Mutex mutex_;
  int64_t current_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t compacted_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::Status compact_result_ ABSL_GUARDED_BY(mutex_);
  std::vector<int64_t> calls_ ABSL_GUARDED_BY(mutex_);
  absl::Notification compacted_once_;
};

constexpr absl::Duration kInterval = absl::Minutes(1);

TEST(HistoryCompactor, WaitsOneIntervalBeforeTheFirstCompaction) {
  RevisionStore store;
  store.SetCurrent(100);
  util::ManualMonotonicClock clock;
  HistoryCompactor compactor(
      &store, {.retention = 10, .interval = kInterval, .clock = &clock});
  EXPECT_EQ(compactor.RunDue(), kInterval);
  clock.Advance(kInterval - absl::Seconds(1));
  EXPECT_EQ(compactor.RunDue(), absl::Seconds(1));
  EXPECT_THAT(store.calls(), IsEmpty());
}

TEST(HistoryCompactor, CompactsToCurrentRevisionMinusRetentionEveryInterval) {
  RevisionStore store;
  store.SetCurrent(100);
  util::ManualMonotonicClock clock;
  HistoryCompactor compactor(
      &store, {.retention = 10, .interval = kInterval, .clock = &clock});
  clock.Advance(kInterval);
  EXPECT_EQ(compactor.RunDue(), kInterval);
  EXPECT_THAT(store.calls(), ElementsAre(90));
  EXPECT_EQ(store.CompactRevision(), 90);

  store.SetCurrent(150);
  clock.Advance(kInterval / 2);
  compactor.RunDue();  // not due yet
  clock.Advance(kInterval / 2);
  compactor.RunDue();
  EXPECT_THAT(store.calls(), ElementsAre(90, 140));
}

TEST(HistoryCompactor, LeavesHistoryAloneWhenNothingIsPastRetention) {
  RevisionStore store;
  store.SetCurrent(8);  // fewer revisions than the retention
  util::ManualMonotonicClock clock;
  HistoryCompactor compactor(
      &store, {.retention = 10, .interval = kInterval, .clock = &clock});
  clock.Advance(kInterval);
  compactor.RunDue();
  store.SetCurrent(15);
  ASSERT_OK(store.Compact(5));  // already trimmed that far
  clock.Advance(kInterval);
  compactor.RunDue();
  EXPECT_THAT(store.calls(), ElementsAre(5));  // only the test's own
}

TEST(HistoryCompactor, LogsAnErrorAndTriesAgainNextInterval) {
  RevisionStore store;
  store.SetCurrent(100);
  store.SetCompactResult(absl::UnavailableError("disk I/O error"));
  util::ManualMonotonicClock clock;
  HistoryCompactor compactor(
      &store, {.retention = 10, .interval = kInterval, .clock = &clock});
  clock.Advance(kInterval);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(compactor.RunDue(), kInterval);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("history compaction to revision 90 failed"));
  EXPECT_THAT(log, HasSubstr("disk I/O error"));
  EXPECT_EQ(store.CompactRevision(), 0);

  // Not retried before the interval is over: a failing disk is not hammered.
  clock.Advance(kInterval / 2);
  compactor.RunDue();
  EXPECT_THAT(store.calls(), ElementsAre(90));

  store.SetCompactResult(absl::OkStatus());
  clock.Advance(kInterval / 2);
  compactor.RunDue();
  EXPECT_THAT(store.calls(), ElementsAre(90, 90));
  EXPECT_EQ(store.CompactRevision(), 90);
}

TEST(HistoryCompactor, ItsThreadCompactsOnItsOwn) {
  RevisionStore store;
  store.SetCurrent(100);
  // The real clock: the thread's waits are real.
  HistoryCompactor compactor(
      &store, {.retention = 10, .interval = absl::Milliseconds(1)});
  compactor.Start();
  store.compacted_once().WaitForNotification();
  compactor.Stop();
  EXPECT_EQ(store.CompactRevision(), 90);
}

// The manual clock never moves, so the thread would wait out the whole hour
// (past the test's timeout) if Stop did not wake it.
TEST(HistoryCompactor, StopDoesNotWaitOutTheInterval) {
  RevisionStore store;
  store.SetCurrent(100);
  util::ManualMonotonicClock clock;
  HistoryCompactor compactor(
      &store, {.retention = 10, .interval = absl::Hours(1), .clock = &clock});
  compactor.Start();
  compactor.Stop();
  compactor.Stop();  // idempotent
  EXPECT_THAT(store.calls(), IsEmpty());
}

TEST(HistoryCompactor, WithoutRetentionNothingIsTrimmed) {
  RevisionStore store;
  store.SetCurrent(100);
  util::ManualMonotonicClock clock;
  HistoryCompactor compactor(
      &store, {.retention = 0, .interval = kInterval, .clock = &clock});
  compactor.Start();  // starts no thread
  clock.Advance(kInterval);
  compactor.RunDue();
  compactor.Stop();
  EXPECT_THAT(store.calls(), IsEmpty());
}

}  // namespace
}  // namespace claimd::core
