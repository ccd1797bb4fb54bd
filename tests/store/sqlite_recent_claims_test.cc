// The SQLite writer's memory of recently written claims (an update of a claim
// it just wrote skips reading the row back) must always reflect the last
// committed state: deletes forget, recreations replace.
#include <memory>

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

std::unique_ptr<store::SqliteClaimStore> OpenStore(const std::string& path) {
  absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> store =
      store::SqliteClaimStore::Open(
          path, store::SqliteStoreOptions{.durable = false});
  EXPECT_OK(store);
  return store.ok() ? *std::move(store) : nullptr;
}

TEST(SqliteRecentClaims, UpdatesSeeDeletesAndRecreationsAcrossCommits) {
  TempDir dir;
  std::unique_ptr<store::SqliteClaimStore> store =
      OpenStore(store::DatabasePath(dir.path()));
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
