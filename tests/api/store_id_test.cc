// The store id in the API: every list, list-events and watch response names
// the store history its revisions belong to, and a resume or compare-and-set
// that names another history (or a revision this store never reached) is
// refused with FAILED_PRECONDITION instead of waiting or applying.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/api/api_test_fixture.h"
#include "tests/api/watch_stream.h"

namespace claimd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Another store's id: the real one with its first hex digit changed.
std::string OtherStoreId(const std::string& id) {
  std::string other = id;
  other[0] = other[0] == '0' ? '1' : '0';
  return other;
}

class StoreIdApiTest : public ApiTest {};

TEST_F(StoreIdApiTest, ListAndListEventsCarryTheStoresId) {
  CreateAll({"a", "b"});
  const std::string id = server_->store().StoreId();
  EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse list,
                       ListClaims(stub(), claims::v1::ListClaimsRequest()));
  EXPECT_EQ(list.store_id(), id);
  claims::v1::ListClaimEventsRequest events_request;
  events_request.set_parent("claims/-");
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimEventsResponse events,
                       ListClaimEvents(stub(), events_request));
  EXPECT_EQ(events.store_id(), id);
}

TEST_F(StoreIdApiTest, StoreIdSurvivesARestart) {
  const std::string id = server_->store().StoreId();
  ASSERT_OK(server_->Restart());
  EXPECT_EQ(server_->store().StoreId(), id);
}

TEST_F(StoreIdApiTest, FirstWatchResponseCarriesTheStoreId) {
  CreateAll({"a"});
  const std::string id = server_->store().StoreId();
  for (const claims::v1::WatchClaimsRequest& request :
       {WatchFrom(1), WatchFrom(0), WatchWithSnapshot()}) {
    WatchStream watch(stub(), request);
    std::optional<claims::v1::WatchClaimsResponse> first = watch.Next();
    ASSERT_TRUE(first.has_value()) << request.ShortDebugString();
    EXPECT_EQ(first->store_id(), id) << request.ShortDebugString();
  }
}

TEST_F(StoreIdApiTest, WatchWithTheStoresIdResumes) {
  CreateAll({"a", "b"});
  claims::v1::WatchClaimsRequest request = WatchFrom(2);
  request.set_store_id(server_->store().StoreId());
  WatchStream watch(stub(), request);
  std::vector<claims::v1::ClaimEvent> events;
  ASSERT_TRUE(watch.ReadThrough(2, &events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].claim().name(), "claims/b");
}

TEST_F(StoreIdApiTest, WatchNamingAnotherStoreIdFailsPrecondition) {
  CreateAll({"a"});
  claims::v1::WatchClaimsRequest request = WatchFrom(1);
  request.set_store_id(OtherStoreId(server_->store().StoreId()));
  WatchStream watch(stub(), request);
  std::optional<grpc::Status> end = watch.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(end->error_message(), HasSubstr("is not this store's"));
  EXPECT_THAT(end->error_message(), HasSubstr("initial_snapshot"));
}

TEST_F(StoreIdApiTest, SnapshotWatchIgnoresAnOldStoreId) {
  CreateAll({"a"});
  claims::v1::WatchClaimsRequest request = WatchWithSnapshot();
  request.set_store_id(OtherStoreId(server_->store().StoreId()));
  WatchStream watch(stub(), request);
  std::optional<claims::v1::WatchClaimsResponse> first = watch.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->store_id(), server_->store().StoreId());
  EXPECT_TRUE(first->snapshot_complete());
}

TEST_F(StoreIdApiTest, WatchBeyondTheCurrentRevisionFailsPrecondition) {
  CreateAll({"a", "b"});  // revision 2
  {
    // The next revision is fine: nothing was missed, it waits for it.
    WatchStream next(stub(), WatchFrom(3));
    std::optional<claims::v1::WatchClaimsResponse> progress = next.Next();
    ASSERT_TRUE(progress.has_value());
    EXPECT_FALSE(next.ended());
  }
  WatchStream beyond(stub(), WatchFrom(4));
  std::optional<grpc::Status> end = beyond.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(end->error_message(),
              HasSubstr("start_revision 4 is beyond this store's current "
                        "revision 2"));
}

TEST_F(StoreIdApiTest, CompareAndSetWithAnotherStoreIdFailsPrecondition) {
  CreateAll({"a"});
  const std::string id = server_->store().StoreId();
  claims::v1::UpdateClaimStatusRequest update;
  update.set_name("claims/a");
  update.set_status(kConfirmed);
  *update.mutable_evidence() = MakeEvidence("https://example.org/a");
  update.set_expected_revision(1);
  update.set_store_id(OtherStoreId(id));
  EXPECT_THAT(UpdateClaimStatus(stub(), update),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("another store history")));
  claims::v1::DeleteClaimRequest del;
  del.set_name("claims/a");
  del.set_expected_revision(1);
  del.set_store_id(OtherStoreId(id));
  EXPECT_THAT(DeleteClaim(stub(), del),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(int64_t revision, CurrentRevision(stub()));
  EXPECT_EQ(revision, 1);  // nothing applied

  // The same calls with this store's id apply.
  update.set_store_id(id);
  ASSERT_OK_AND_ASSIGN(claims::v1::Claim updated,
                       UpdateClaimStatus(stub(), update));
  EXPECT_EQ(updated.revision(), 2);
  del.set_expected_revision(2);
  del.set_store_id(id);
  EXPECT_OK(DeleteClaim(stub(), del));
}

TEST_F(StoreIdApiTest, ALongStoreIdIsQuotedShortAndAsAscii) {
  CreateAll({"a"});
  // 1 MiB, with a two-byte character cut by the 64-byte excerpt.
  const std::string given =
      std::string(63, 'z') + "\xc3\xa9" + std::string((1 << 20) - 65, 'z');
  claims::v1::DeleteClaimRequest del;
  del.set_name("claims/a");
  del.set_expected_revision(1);
  del.set_store_id(given);
  absl::Status status = DeleteClaim(stub(), del);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("\\xc3\"... (1048576 bytes)")));
  EXPECT_LT(status.message().size(), 600u) << status.message().substr(0, 200);
  for (char c : status.message()) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << status.message();
  }

  claims::v1::WatchClaimsRequest request = WatchFrom(1);
  request.set_store_id(given);
  WatchStream watch(stub(), request);
  std::optional<grpc::Status> end = watch.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_LT(end->error_message().size(), 600u);
}

TEST_F(StoreIdApiTest, StoreIdWithoutExpectedRevisionIsIgnored) {
  CreateAll({"a"});
  claims::v1::UpdateClaimStatusRequest update;
  update.set_name("claims/a");
  update.set_status(kConfirmed);
  *update.mutable_evidence() = MakeEvidence("https://example.org/a");
  update.set_store_id(OtherStoreId(server_->store().StoreId()));
  EXPECT_OK(UpdateClaimStatus(stub(), update).status());
}

}  // namespace
}  // namespace claimd::testing
