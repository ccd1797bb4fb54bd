// ClaimStore::ReadSnapshotWithin, for every backend (part of the conformance
// suite): under concurrent writes the result is exactly the state at its
// revision, rebuilt independently from the event history; and the read stops
// at the caller's budget instead of holding the whole store.
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "service/core/filter/filter.h"
#include "service/core/mutation.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using core::VerificationStatus;

std::string Id(int n) { return absl::StrFormat("c%05d", n); }

// The matching claims at `revision`, rebuilt from events 1..revision.
std::vector<core::Claim> Replay(core::ClaimStore& store, int64_t revision,
                                const core::Filter& filter) {
  std::map<std::string, core::Claim> claims;
  int64_t from = 1;
  while (from <= revision) {
    absl::StatusOr<core::EventPage> page = store.ListEvents(
        core::ListEventsQuery{.from_revision = from, .limit = 1000});
    EXPECT_OK(page.status());
    if (!page.ok() || page->events.empty()) break;
    for (const core::ClaimEventPtr& event : page->events) {
      if (event->revision > revision) break;
      if (event->type == core::EventType::kDeleted) {
        claims.erase(event->claim.id);
      } else {
        claims.insert_or_assign(event->claim.id, event->claim);
      }
      from = event->revision + 1;
    }
  }
  std::vector<core::Claim> matching;
  for (auto& [id, claim] : claims) {
    if (filter.Matches(claim)) matching.push_back(claim);
  }
  return matching;
}

absl::Status NoLimit(size_t) { return absl::OkStatus(); }

// Submits every mutation without waiting (one group commit), then waits.
void CreateAll(core::ClaimStore& store, const std::vector<std::string>& ids) {
  absl::BlockingCounter pending(static_cast<int>(ids.size()));
  for (const std::string& id : ids) {
    store.Submit(
        CreateMutation(id),
        [&pending](const absl::StatusOr<core::MutationResult>& result) {
          EXPECT_OK(result.status());
          pending.DecrementCount();
        });
  }
  pending.Wait();
}

TEST_P(ClaimStoreConformanceTest,
       ReadSnapshotWithinIsTheStateAtItsRevisionUnderWrites) {
  // Several of the reader's pages (at most 256 claims each), so writes land
  // between pages.
  constexpr int kClaims = 1600;
  std::vector<std::string> ids;
  for (int i = 0; i < kClaims; i += 2) ids.push_back(Id(i));
  CreateAll(*store_, ids);

  // Updates move claims in and out of the filter, deletes remove them, and
  // creates fill odd ids between existing ones: before and after the pages
  // being read. Bounded in count.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int step = 0; step < 20000 && !stop.load(); ++step) {
      const int n = (step * 7919) % kClaims;
      absl::StatusOr<core::MutationResult> result;
      if (n % 2 == 1) {
        result = store_->Apply(CreateMutation(Id(n)));
      } else if (step % 5 == 0) {
        result = store_->Apply(DeleteMutation(Id(n)));
      } else {
        result = store_->Apply(
            UpdateMutation(Id(n), step % 3 == 0 ? VerificationStatus::kConfirmed
                                                : VerificationStatus::kDenied));
      }
      // NOT_FOUND / ALREADY_EXISTS are expected of this random walk.
      if (!result.ok()) {
        EXPECT_THAT(result.status().code(),
                    ::testing::AnyOf(absl::StatusCode::kNotFound,
                                     absl::StatusCode::kAlreadyExists,
                                     absl::StatusCode::kFailedPrecondition));
      }
    }
  });
  ASSERT_OK_AND_ASSIGN(core::Filter confirmed,
                       core::Filter::Parse("status = CONFIRMED"));
  // Read while the writer runs: wait (bounded) until it has begun.
  const int64_t initial = store_->CurrentRevision();
  for (int i = 0; i < 1000 && store_->CurrentRevision() < initial + 10; ++i)
    absl::SleepFor(absl::Milliseconds(5));
  int64_t last_revision = 0;
  int moved = 0;  // reads during which the store revision moved
  constexpr int kReads = 24;
  for (int read = 0; read < kReads; ++read) {
    const core::Filter& filter = read % 2 == 0 ? core::Filter() : confirmed;
    const int64_t before = store_->CurrentRevision();
    ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot,
                         store_->ReadSnapshotWithin(filter, NoLimit));
    if (snapshot.revision > before) ++moved;
    EXPECT_GE(snapshot.revision, last_revision);
    last_revision = snapshot.revision;
    std::vector<core::Claim> expected =
        Replay(*store_, snapshot.revision, filter);
    ASSERT_EQ(snapshot.claims.size(), expected.size()) << "read " << read;
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(snapshot.claims[i], expected[i])
          << "read " << read << " at revision " << snapshot.revision
          << ", claim " << expected[i].id;
    }
  }
  stop = true;
  writer.join();
  // Not an assertion on timing: it says whether the interesting case ran.
  std::printf("snapshot reads during which writes landed: %d of %d\n", moved,
              kReads);
}

// The real store, with writes made between the pages of a snapshot read: the
// default ReadSnapshotWithin must replay them onto the pages already read.
class WritesBetweenPages : public core::ClaimStore {
 public:
  WritesBetweenPages(core::ClaimStore* store, std::function<void(int)> write)
      : store_(store), write_(std::move(write)) {}
  void Submit(core::Mutation mutation, core::MutationCallback done) override {
    store_->Submit(std::move(mutation), std::move(done));
  }
  absl::StatusOr<core::Claim> Get(const std::string& id) override {
    return store_->Get(id);
  }
  absl::StatusOr<core::ClaimPage> List(
      const core::ListClaimsQuery& query) override {
    if (!query.after_id.empty()) write_(pages_++);
    return store_->List(query);
  }
  absl::StatusOr<core::EventPage> ListEvents(
      const core::ListEventsQuery& query) override {
    return store_->ListEvents(query);
  }
  absl::StatusOr<core::Snapshot> ReadSnapshot(
      const core::Filter& filter) override {
    return store_->ReadSnapshot(filter);
  }
  int64_t CurrentRevision() override { return store_->CurrentRevision(); }
  std::string StoreId() override { return store_->StoreId(); }
  int64_t CompactRevision() override { return store_->CompactRevision(); }
  absl::Status Compact(int64_t revision) override {
    return store_->Compact(revision);
  }
  void Close() override {}
  int pages() const { return pages_; }

 private:
  core::ClaimStore* const store_;
  std::function<void(int)> write_;
  int pages_ = 0;
};

TEST_P(ClaimStoreConformanceTest,
       DefaultReadSnapshotWithinReplaysWritesMadeBetweenPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 1200; i += 2) ids.push_back(Id(i));
  CreateAll(*store_, ids);
  // Before each page after the first: change claims on both sides of it.
  WritesBetweenPages store(store_.get(), [&](int page) {
    const int low = page * 4;  // already read
    ASSERT_OK(
        store_->Apply(UpdateMutation(Id(low), VerificationStatus::kConfirmed)));
    ASSERT_OK(store_->Apply(DeleteMutation(Id(low + 2))));
    ASSERT_OK(store_->Apply(CreateMutation(Id(low + 1))));  // a new id inside
    ASSERT_OK(store_->Apply(
        UpdateMutation(Id(1198 - page * 2), VerificationStatus::kConfirmed)));
  });
  ASSERT_OK_AND_ASSIGN(core::Filter confirmed,
                       core::Filter::Parse("status = CONFIRMED"));
  core::Filter all;
  for (const core::Filter* filter : {&all, &confirmed}) {
    const int64_t before = store_->CurrentRevision();
    ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot,
                         store.ReadSnapshotWithin(*filter, NoLimit));
    // Unfiltered, the read takes several pages and writes land between them
    // (a sparse filter may find everything in one page).
    if (filter == &all) {
      EXPECT_GT(snapshot.revision, before);
    }
    EXPECT_EQ(snapshot.revision, store_->CurrentRevision());
    EXPECT_EQ(snapshot.claims, Replay(*store_, snapshot.revision, *filter));
  }
  EXPECT_GT(store.pages(), 2);
}

TEST_P(ClaimStoreConformanceTest, ReadSnapshotWithinStopsAtTheBudget) {
  std::vector<std::string> ids;
  ids.reserve(1200);
  for (int i = 0; i < 1200; ++i) ids.push_back(Id(i));
  CreateAll(*store_, ids);
  ASSERT_OK_AND_ASSIGN(core::Snapshot whole,
                       store_->ReadSnapshot(core::Filter()));
  size_t whole_bytes = 0;
  for (const core::Claim& claim : whole.claims)
    whole_bytes += core::ApproximateBytes(claim);

  const size_t budget = whole_bytes / 4;
  size_t charged = 0;
  int calls = 0;
  auto charge = [&](size_t bytes) -> absl::Status {
    ++calls;
    if (charged + bytes > budget) {
      return absl::ResourceExhaustedError("over the test's budget");
    }
    charged += bytes;
    return absl::OkStatus();
  };
  EXPECT_THAT(store_->ReadSnapshotWithin(core::Filter(), charge),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       ::testing::HasSubstr("test's budget")));
  EXPECT_LE(charged, budget);
  // It stopped at the first refusal rather than reading on.
  EXPECT_LT(calls, 1200);

  ASSERT_OK_AND_ASSIGN(core::Snapshot within,
                       store_->ReadSnapshotWithin(core::Filter(), NoLimit));
  EXPECT_EQ(within.revision, whole.revision);
  EXPECT_EQ(within.claims, whole.claims);
}

}  // namespace
}  // namespace claimd::testing
