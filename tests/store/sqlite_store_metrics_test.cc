// What SqliteClaimStore reports to core::Metrics: the revision and claims per
// status counted at open, and for every commit its mutations (failed ones
// included) and exactly the events it wrote; and to store::SqliteMetrics, its
// own: the WAL size after commits and the background checkpoint passes.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "service/core/metrics.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "service/store/sqlite_metrics.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

using core::VerificationStatus;

class RecordingMetrics : public core::Metrics, public store::SqliteMetrics {
 public:
  void OnStoreOpened(int64_t revision,
                     const core::StatusCounts& counts) override {
    absl::MutexLock lock(&mutex_);
    opened_revision_ = revision;
    opened_counts_ = counts;
  }
  void OnCommit(absl::Duration duration, size_t mutations) override {
    absl::MutexLock lock(&mutex_);
    EXPECT_GE(duration, absl::ZeroDuration());
    ++commits_;
    mutations_ += mutations;
  }
  void OnEventsApplied(absl::Span<const core::ClaimEventPtr> events) override {
    absl::MutexLock lock(&mutex_);
    for (const core::ClaimEventPtr& event : events)
      revisions_.push_back(event->revision);
  }

  void OnWalFrames(int frames) override {
    absl::MutexLock lock(&mutex_);
    max_wal_frames_ = std::max(max_wal_frames_, frames);
  }
  void OnCheckpoint(absl::Duration duration, bool ok) override {
    absl::MutexLock lock(&mutex_);
    EXPECT_GE(duration, absl::ZeroDuration());
    ++(ok ? checkpoints_ : failed_checkpoints_);
  }

  int max_wal_frames() {
    absl::MutexLock lock(&mutex_);
    return max_wal_frames_;
  }
  int checkpoints() {
    absl::MutexLock lock(&mutex_);
    return checkpoints_;
  }
  int failed_checkpoints() {
    absl::MutexLock lock(&mutex_);
    return failed_checkpoints_;
  }
  int64_t opened_revision() {
    absl::MutexLock lock(&mutex_);
    return opened_revision_;
  }
  core::StatusCounts opened_counts() {
    absl::MutexLock lock(&mutex_);
    return opened_counts_;
  }
  size_t mutations() {
    absl::MutexLock lock(&mutex_);
    return mutations_;
  }
  int commits() {
    absl::MutexLock lock(&mutex_);
    return commits_;
  }
  std::vector<int64_t> revisions() {
    absl::MutexLock lock(&mutex_);
    return revisions_;
  }

 private:
  absl::Mutex mutex_;
  int64_t opened_revision_ ABSL_GUARDED_BY(mutex_) = -1;
  core::StatusCounts opened_counts_ ABSL_GUARDED_BY(mutex_){};
  int commits_ ABSL_GUARDED_BY(mutex_) = 0;
  size_t mutations_ ABSL_GUARDED_BY(mutex_) = 0;
  std::vector<int64_t> revisions_ ABSL_GUARDED_BY(mutex_);
  int max_wal_frames_ ABSL_GUARDED_BY(mutex_) = 0;
  int checkpoints_ ABSL_GUARDED_BY(mutex_) = 0;
  int failed_checkpoints_ ABSL_GUARDED_BY(mutex_) = 0;
};

std::unique_ptr<store::SqliteClaimStore> OpenWith(const std::string& path,
                                                  RecordingMetrics* metrics) {
  absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> opened =
      store::SqliteClaimStore::Open(
          path, store::SqliteStoreOptions{.metrics = metrics,
                                          .sqlite_metrics = metrics});
  EXPECT_OK(opened);
  return opened.ok() ? *std::move(opened) : nullptr;
}

TEST(SqliteStoreMetrics, CommitsReportMutationsAndTheirEvents) {
  TempDir dir;
  RecordingMetrics metrics;
  auto store = OpenWith(store::DatabasePath(dir.path()), &metrics);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(metrics.opened_revision(), 0);
  EXPECT_EQ(metrics.opened_counts(), core::StatusCounts{});

  ASSERT_OK(store->Apply(CreateMutation("a")));
  ASSERT_OK(store->Apply(CreateMutation("b")));
  // Refused inside the transaction: a mutation of the commit, but no event.
  EXPECT_THAT(store->Apply(CreateMutation("a")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(store->Apply(UpdateMutation("b", VerificationStatus::kDenied)));
  store->Close();

  EXPECT_EQ(metrics.mutations(), 4u);
  EXPECT_EQ(metrics.commits(), 4);  // Apply waits: one mutation per commit
  EXPECT_THAT(metrics.revisions(), ::testing::ElementsAre(1, 2, 3));
}

TEST(SqliteStoreMetrics, OpenCountsClaimsPerStatus) {
  TempDir dir;
  const std::string path = store::DatabasePath(dir.path());
  {
    auto store = OpenWith(path, nullptr);
    ASSERT_NE(store, nullptr);
    for (const char* id : {"r1", "r2", "c1", "d1", "gone"}) {
      ASSERT_OK(store->Apply(CreateMutation(id)));
    }
    ASSERT_OK(
        store->Apply(UpdateMutation("c1", VerificationStatus::kConfirmed)));
    ASSERT_OK(store->Apply(UpdateMutation("d1", VerificationStatus::kDenied)));
    ASSERT_OK(store->Apply(DeleteMutation("gone")));
  }
  RecordingMetrics metrics;
  auto store = OpenWith(path, &metrics);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(metrics.opened_revision(), 8);
  core::StatusCounts expected{};
  expected[static_cast<int>(VerificationStatus::kReported)] = 2;
  expected[static_cast<int>(VerificationStatus::kConfirmed)] = 1;
  expected[static_cast<int>(VerificationStatus::kDenied)] = 1;
  EXPECT_EQ(metrics.opened_counts(), expected);
}

TEST(SqliteStoreMetrics, WalSizeAndBackgroundCheckpointsAreReported) {
  TempDir dir;
  RecordingMetrics metrics;
  std::unique_ptr<store::SqliteClaimStore> store =
      OpenWith(store::DatabasePath(dir.path()), &metrics);
  ASSERT_NE(store, nullptr);
  // 600 claims of ~4 KiB, one commit each: about 1,800 WAL pages, past the
  // 1,000 at which the checkpointer is woken.
  for (int i = 0; i < 600; ++i) {
    core::Mutation mutation = CreateMutation(absl::StrCat("big-", i));
    std::get<core::CreateClaim>(mutation.op).claim.statement =
        std::string(4000, 'b');
    ASSERT_OK(store->Apply(std::move(mutation)));
  }
  store->Close();  // joins the checkpointer: its passes are all reported
  EXPECT_GE(metrics.max_wal_frames(), 1000);
  EXPECT_GE(metrics.checkpoints(), 1);
  EXPECT_EQ(metrics.failed_checkpoints(), 0);
}

}  // namespace
}  // namespace claimd::testing
