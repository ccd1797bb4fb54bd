// What SqliteClaimStore reports to core::Metrics: the revision and claims per
// status counted at open, and for every commit its mutations (failed ones
// included) and exactly the events it wrote.
#include <memory>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "service/core/metrics.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

using core::VerificationStatus;

class RecordingMetrics : public core::Metrics {
 public:
  void OnStoreOpened(int64_t revision,
                     const core::StatusCounts& counts) override {
    absl::MutexLock lock(&mutex_);
    opened_revision_ = revision;
    opened_counts_ = counts;
  }
  void OnCommit(absl::Duration duration, size_t mutations,
                absl::Span<const core::ClaimEventPtr> events) override {
    absl::MutexLock lock(&mutex_);
    EXPECT_GE(duration, absl::ZeroDuration());
    ++commits_;
    mutations_ += mutations;
    for (const core::ClaimEventPtr& event : events)
      revisions_.push_back(event->revision);
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
};

std::unique_ptr<store::SqliteClaimStore> OpenWith(const std::string& path,
                                                  core::Metrics* metrics) {
  absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> opened =
      store::SqliteClaimStore::Open(
          path, store::SqliteStoreOptions{.metrics = metrics});
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

}  // namespace
}  // namespace claimd::testing
