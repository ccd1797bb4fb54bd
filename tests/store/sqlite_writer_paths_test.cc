// The SQLite store's two commit-path shortcuts: checkpoints on a background
// thread (sqlite_checkpointer.h) and the writer's memory of recently written
// claims. Both must leave every commit intact under concurrent writes, reads,
// deletes and reopening.
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd {
namespace {

using ::claimd::testing::CreateMutation;
using ::claimd::testing::DeleteMutation;
using ::claimd::testing::StatusIs;
using ::claimd::testing::TempDir;
using ::claimd::testing::UpdateMutation;
using core::VerificationStatus;

std::unique_ptr<store::SqliteClaimStore> OpenStore(
    const std::string& path, absl::Duration checkpoint_interval) {
  absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> store =
      store::SqliteClaimStore::Open(
          path,
          store::SqliteStoreOptions{
              .durable = false, .checkpoint_interval = checkpoint_interval});
  EXPECT_OK(store);
  return store.ok() ? *std::move(store) : nullptr;
}

TEST(SqliteBackgroundCheckpoints,
     ConcurrentWritesReadsAndCheckpointsKeepEveryCommit) {
  TempDir dir;
  const std::string path = store::DatabasePath(dir.path());
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 150;
  {
    // Checkpoints as often as the thread can run, racing the writer and reads.
    std::unique_ptr<store::SqliteClaimStore> store =
        OpenStore(path, absl::Milliseconds(1));
    ASSERT_NE(store, nullptr);
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&store, w] {
        for (int i = 0; i < kPerWriter; ++i) {
          const std::string id = absl::StrCat("w", w, "-", i);
          EXPECT_OK(store->Apply(CreateMutation(id)));
          EXPECT_OK(
              store->Apply(UpdateMutation(id, VerificationStatus::kConfirmed)));
        }
      });
    }
    threads.emplace_back([&store] {
      for (int i = 0; i < 100; ++i) {
        core::ListClaimsQuery query;
        query.limit = 50;
        EXPECT_OK(store->List(query));
      }
    });
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(store->CurrentRevision(), 2 * kWriters * kPerWriter);
  }
  // Reopened without the background thread: everything committed is there.
  std::unique_ptr<store::SqliteClaimStore> store =
      OpenStore(path, absl::ZeroDuration());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->CurrentRevision(), 2 * kWriters * kPerWriter);
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_OK_AND_ASSIGN(core::Claim claim,
                         store->Get(absl::StrCat("w", w, "-", kPerWriter - 1)));
    EXPECT_EQ(claim.status, VerificationStatus::kConfirmed);
    EXPECT_EQ(claim.evidence.size(), 1u);
  }
}

TEST(SqliteRecentClaims, UpdatesSeeDeletesAndRecreationsAcrossCommits) {
  TempDir dir;
  std::unique_ptr<store::SqliteClaimStore> store =
      OpenStore(store::DatabasePath(dir.path()), absl::Milliseconds(100));
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(CreateMutation("a")));
  ASSERT_OK(store->Apply(UpdateMutation("a", VerificationStatus::kConfirmed)));
  ASSERT_OK(store->Apply(DeleteMutation("a")));
  // The remembered claim was forgotten with the delete.
  EXPECT_THAT(store->Apply(UpdateMutation("a", VerificationStatus::kDenied)),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store->Apply(CreateMutation("a")));
  ASSERT_OK_AND_ASSIGN(
      core::MutationResult updated,
      store->Apply(UpdateMutation("a", VerificationStatus::kDenied)));
  // The recreated claim, not the deleted one: one evidence item, not two.
  EXPECT_EQ(updated.event->claim.evidence.size(), 1u);
  EXPECT_EQ(updated.event->claim.status, VerificationStatus::kDenied);
  ASSERT_OK_AND_ASSIGN(core::Claim stored, store->Get("a"));
  EXPECT_EQ(stored, updated.event->claim);
}

}  // namespace
}  // namespace claimd
