// SqliteClaimStore: the conformance suite, plus what only a file-backed store
// with group commit can show (reopening, batching, schema versions, commit
// failures).
#include "service/store/sqlite_claim_store.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_db.h"
#include "service/store/sqlite_schema.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using core::VerificationStatus;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<std::unique_ptr<core::ClaimStore>> OpenSqlite(
    const std::string& dir, core::CommitObserver* observer,
    std::function<absl::Time()> clock) {
  store::SqliteStoreOptions options;
  options.observer = observer;
  options.clock = std::move(clock);
  absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> opened =
      store::SqliteClaimStore::Open(store::DatabasePath(dir),
                                    std::move(options));
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<core::ClaimStore>(*std::move(opened));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ClaimStoreConformanceTest,
                         ::testing::Values(StoreFactory{"Sqlite", &OpenSqlite}),
                         StoreFactoryName);

class SqliteClaimStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::SqliteClaimStore> Open(
      store::SqliteStoreOptions options = {}) {
    if (options.observer == nullptr) options.observer = &observer_;
    absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> store =
        store::SqliteClaimStore::Open(path_, std::move(options));
    EXPECT_OK(store);
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Holds the writer thread inside a callback until the returned notification
  // fires, so that everything submitted meanwhile is committed as one batch.
  std::shared_ptr<absl::Notification> BlockWriter(
      store::SqliteClaimStore& store) {
    auto release = std::make_shared<absl::Notification>();
    absl::Notification blocked;
    store.Submit(CreateMutation("blocker"),
                 [release, &blocked](const auto& result) {
                   EXPECT_OK(result);
                   blocked.Notify();
                   release->WaitForNotificationWithTimeout(absl::Seconds(30));
                 });
    blocked.WaitForNotification();
    return release;
  }

  TempDir dir_;
  std::string path_ = store::DatabasePath(dir_.path());
  RecordingObserver observer_;
};

std::vector<absl::StatusOr<core::MutationResult>> SubmitBatch(
    store::SqliteClaimStore& store, std::vector<core::Mutation> mutations,
    const std::shared_ptr<absl::Notification>& release) {
  std::vector<absl::StatusOr<core::MutationResult>> results(mutations.size());
  absl::BlockingCounter pending(static_cast<int>(mutations.size()));
  for (size_t i = 0; i < mutations.size(); ++i) {
    store.Submit(
        std::move(mutations[i]),
        [&results, &pending, i](absl::StatusOr<core::MutationResult> result) {
          results[i] = std::move(result);
          pending.DecrementCount();
        });
  }
  release->Notify();
  pending.Wait();
  return results;
}

TEST_F(SqliteClaimStoreTest, ReopenKeepsClaimsHistoryAndRequestIds) {
  std::unique_ptr<store::SqliteClaimStore> store = Open();
  ASSERT_OK(store->Apply(CreateMutation("a", {}, "req-a")));
  ASSERT_OK(store->Apply(CreateMutation("b")));
  ASSERT_OK(store->Apply(UpdateMutation("a", VerificationStatus::kConfirmed)));
  ASSERT_OK(store->Compact(1));
  ASSERT_OK_AND_ASSIGN(core::Claim before, store->Get("a"));
  ASSERT_OK(store->Apply(CreateMutation("c", {}, "req-c")));
  store.reset();

  store = Open();
  EXPECT_THAT(observer_.opens(), ::testing::ElementsAre(0, 4));
  EXPECT_EQ(store->CurrentRevision(), 4);
  EXPECT_EQ(store->CompactRevision(), 1);
  ASSERT_OK_AND_ASSIGN(core::Claim after, store->Get("a"));
  EXPECT_EQ(after, before);
  ASSERT_OK_AND_ASSIGN(core::MutationResult replay,
                       store->Apply(CreateMutation("c", {}, "req-c")));
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.event->revision, 4);
  ASSERT_OK_AND_ASSIGN(core::MutationResult next,
                       store->Apply(CreateMutation("d")));
  EXPECT_EQ(next.event->revision, 5);
}

// Submissions from many threads that queue while the writer is busy are
// committed together: the writer is held (BlockWriter) until every thread has
// submitted, so the batch does not depend on how the threads were scheduled.
TEST_F(SqliteClaimStoreTest, ConcurrentSubmissionsAreGroupCommitted) {
  std::unique_ptr<store::SqliteClaimStore> store = Open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  constexpr int kTotal = kThreads * kPerThread;  // under max_batch (512)
  auto release = BlockWriter(*store);            // the blocker is revision 1
  const int64_t commits_before = store->commits();
  std::vector<absl::StatusOr<core::MutationResult>> results(kTotal);
  absl::BlockingCounter pending(kTotal);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int index = t * kPerThread + i;
        store->Submit(CreateMutation(absl::StrCat("t", t, "-", i)),
                      [&results, &pending,
                       index](absl::StatusOr<core::MutationResult> r) {
                        results[index] = std::move(r);
                        pending.DecrementCount();
                      });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  release->Notify();
  pending.Wait();

  std::vector<int64_t> revisions;
  for (const auto& result : results) {
    ASSERT_OK(result);
    revisions.push_back(result->event->revision);
  }
  std::sort(revisions.begin(), revisions.end());
  for (int i = 0; i < kTotal; ++i) EXPECT_EQ(revisions[i], i + 2);
  EXPECT_EQ(store->CurrentRevision(), kTotal + 1);
  // Everything queued behind the blocker is one transaction.
  EXPECT_EQ(store->commits() - commits_before, 1);
  EXPECT_EQ(observer_.events().size(), static_cast<size_t>(kTotal + 1));
}

TEST_F(SqliteClaimStoreTest, MaxBatchBoundsATransaction) {
  store::SqliteStoreOptions options;
  options.max_batch = 2;
  std::unique_ptr<store::SqliteClaimStore> store = Open(std::move(options));
  auto release = BlockWriter(*store);
  const int64_t commits_before = store->commits();
  std::vector<core::Mutation> mutations;
  mutations.reserve(6);
  for (int i = 0; i < 6; ++i)
    mutations.push_back(CreateMutation(absl::StrCat("c", i)));
  for (const auto& result :
       SubmitBatch(*store, std::move(mutations), release)) {
    EXPECT_OK(result);
  }
  // The blocker's own commit was counted before its callback ran.
  EXPECT_EQ(store->commits() - commits_before, 3);
}

TEST_F(SqliteClaimStoreTest, RequestIdRepeatedInsideOneBatchIsReplayed) {
  std::unique_ptr<store::SqliteClaimStore> store = Open();
  auto release = BlockWriter(*store);
  const int64_t commits_before = store->commits();
  std::vector<core::Mutation> mutations;
  mutations.push_back(CreateMutation("a", {}, "req-1"));
  mutations.push_back(
      CreateMutation("a", {}, "req-1"));  // a retry racing the first
  mutations.push_back(
      CreateMutation("b", {}, "req-1"));  // same id, other request
  mutations.push_back(
      UpdateMutation("a", VerificationStatus::kDenied));  // sees "a"
  std::vector<absl::StatusOr<core::MutationResult>> results =
      SubmitBatch(*store, std::move(mutations), release);
  EXPECT_EQ(store->commits() - commits_before, 1);
  ASSERT_OK(results[0]);
  ASSERT_OK(results[1]);
  EXPECT_FALSE(results[0]->replayed);
  EXPECT_TRUE(results[1]->replayed);
  EXPECT_EQ(results[1]->event, results[0]->event);
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(results[3]);
  EXPECT_EQ(results[3]->event->revision, results[0]->event->revision + 1);
  EXPECT_EQ(results[3]->event->previous_status, VerificationStatus::kReported);
}

TEST_F(SqliteClaimStoreTest, FailedWriteRollsBackOnlyItsOwnMutation) {
  std::unique_ptr<store::SqliteClaimStore> store = Open();
  {
    // A trigger that rejects the event row of claim "poison" after its claim
    // row was written: only the savepoint can undo that claim row.
    ASSERT_OK_AND_ASSIGN(auto db, store::internal::Connection::Open(path_, {}));
    ASSERT_OK(
        db->Exec("CREATE TRIGGER poison BEFORE INSERT ON events WHEN "
                 "NEW.claim_id = 'poison' "
                 "BEGIN SELECT RAISE(ABORT, 'poisoned'); END"));
  }
  auto release = BlockWriter(*store);
  std::vector<core::Mutation> mutations;
  mutations.push_back(CreateMutation("a"));
  mutations.push_back(CreateMutation("poison"));
  mutations.push_back(CreateMutation("b"));
  std::vector<absl::StatusOr<core::MutationResult>> results =
      SubmitBatch(*store, std::move(mutations), release);
  ASSERT_OK(results[0]);
  EXPECT_THAT(results[1],
              StatusIs(absl::StatusCode::kInternal, HasSubstr("poisoned")));
  ASSERT_OK(results[2]);
  EXPECT_EQ(results[2]->event->revision, results[0]->event->revision + 1);
  EXPECT_THAT(store->Get("poison"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(store->Get("b"));
}

TEST_F(SqliteClaimStoreTest,
       CommitThatCannotStartFailsTheBatchWithUnavailable) {
  store::SqliteStoreOptions options;
  options.busy_timeout = absl::Milliseconds(50);
  std::unique_ptr<store::SqliteClaimStore> store = Open(std::move(options));
  ASSERT_OK(store->Apply(CreateMutation("a")));
  ASSERT_OK_AND_ASSIGN(auto intruder,
                       store::internal::Connection::Open(path_, {}));
  ASSERT_OK(intruder->Exec("BEGIN IMMEDIATE"));  // holds the write lock

  EXPECT_THAT(store->Apply(CreateMutation("b")),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::AllOf(
                           StartsWith("store commit failed: "),
                           HasSubstr("the write was not applied, retry"))));
  EXPECT_EQ(store->CurrentRevision(), 1);
  EXPECT_EQ(observer_.events().size(), 1u);

  ASSERT_OK(intruder->Exec("ROLLBACK"));
  ASSERT_OK_AND_ASSIGN(core::MutationResult retried,
                       store->Apply(CreateMutation("b")));
  EXPECT_EQ(retried.event->revision, 2);
}

TEST_F(SqliteClaimStoreTest, ReadersRunConcurrentlyWithTheWriter) {
  std::unique_ptr<store::SqliteClaimStore> store = Open();
  std::atomic<bool> writing{true};
  std::vector<std::thread> readers;
  readers.reserve(4);
  std::atomic<int> reads{0};
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (writing) {
        core::ListEventsQuery query;
        query.limit = 50;
        absl::StatusOr<core::EventPage> events = store->ListEvents(query);
        ASSERT_OK(events);
        EXPECT_LE(static_cast<int64_t>(events->events.size()),
                  events->revision);
        absl::StatusOr<core::Claim> claim = store->Get("c0");
        if (!claim.ok()) {
          EXPECT_THAT(claim, StatusIs(absl::StatusCode::kNotFound));
        }
        ++reads;
      }
    });
  }
  for (int i = 0; i < 300; ++i) {
    store->Submit(CreateMutation(absl::StrCat("c", i)),
                  [](const auto& result) { EXPECT_OK(result); });
  }
  ASSERT_OK(store->Apply(CreateMutation("last")));
  writing = false;
  for (std::thread& reader : readers) reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(store->CurrentRevision(), 301);
}

TEST_F(SqliteClaimStoreTest, SchemaNewerThanTheBinaryIsFailedPrecondition) {
  Open().reset();
  {
    ASSERT_OK_AND_ASSIGN(auto db, store::internal::Connection::Open(path_, {}));
    ASSERT_OK(db->Exec(absl::StrCat("PRAGMA user_version = ",
                                    store::internal::kSchemaVersion + 1)));
  }
  EXPECT_THAT(
      store::SqliteClaimStore::Open(path_, {}),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(absl::StrCat(
                   "has schema version ", store::internal::kSchemaVersion + 1,
                   ", newer than this claimd understands"))));
}

TEST_F(SqliteClaimStoreTest, ForeignDatabaseIsFailedPrecondition) {
  {
    store::internal::Connection::Options options;
    options.create = true;
    ASSERT_OK_AND_ASSIGN(auto db,
                         store::internal::Connection::Open(path_, options));
    ASSERT_OK(db->Exec("CREATE TABLE something_else (x INTEGER)"));
  }
  EXPECT_THAT(store::SqliteClaimStore::Open(path_, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no claimd schema")));
}

TEST_F(SqliteClaimStoreTest, UnopenableFileIsFailedPrecondition) {
  EXPECT_THAT(
      store::SqliteClaimStore::Open(dir_.File("missing/dir/claims.db"), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SqliteClaimStoreTest, NonDurableModeWorks) {
  store::SqliteStoreOptions options;
  options.durable = false;
  std::unique_ptr<store::SqliteClaimStore> store = Open(std::move(options));
  ASSERT_OK(store->Apply(CreateMutation("a")));
  store.reset();
  store = Open();
  EXPECT_OK(store->Get("a"));
}

// Sustained writes of ~80 MiB of rows: whoever checkpoints, the WAL must keep
// starting over (else it grows without bound, as it did when the background
// checkpointer's connection had not opened the WAL and its passes did
// nothing), and the rows must reach the database file while the store is open.
class WalBoundTest : public SqliteClaimStoreTest,
                     public ::testing::WithParamInterface<bool> {};

TEST_P(WalBoundTest, WalStaysBoundedAndRowsReachTheDatabaseFile) {
  store::SqliteStoreOptions options;
  options.background_checkpoints = GetParam();
  std::unique_ptr<store::SqliteClaimStore> store = Open(std::move(options));
  // Claim and event rows of ~4 KiB each: about two WAL frames per claim.
  constexpr int kClaims = 10000;
  constexpr int kInFlight = 64;
  const std::string statement(4000, 's');
  absl::Mutex mutex;
  int in_flight = 0;
  int failed = 0;
  int64_t wal_peak = 0;
  const std::string wal = path_ + "-wal";
  auto wal_size = [&wal] {
    std::error_code error;
    const uintmax_t size = std::filesystem::file_size(wal, error);
    return error ? int64_t{0} : static_cast<int64_t>(size);
  };
  for (int i = 0; i < kClaims; ++i) {
    core::Mutation mutation = CreateMutation(absl::StrCat("c", i));
    std::get<core::CreateClaim>(mutation.op).claim.statement = statement;
    {
      absl::MutexLock lock(&mutex);
      mutex.Await(absl::Condition(
          +[](int* count) { return *count < kInFlight; }, &in_flight));
      ++in_flight;
    }
    store->Submit(std::move(mutation),
                  [&](const absl::StatusOr<core::MutationResult>& result) {
                    absl::MutexLock lock(&mutex);
                    --in_flight;
                    if (!result.ok()) ++failed;
                  });
    if (i % 256 == 0) wal_peak = std::max(wal_peak, wal_size());
  }
  {
    absl::MutexLock lock(&mutex);
    mutex.Await(absl::Condition(
        +[](int* count) { return *count == 0; }, &in_flight));
  }
  EXPECT_EQ(failed, 0);
  wal_peak = std::max(wal_peak, wal_size());
  // The checkpointer starts over at 4,000 frames (16 MiB): allow one batch
  // beyond that and some slack, far below the 80 MiB written.
  EXPECT_LT(wal_peak, int64_t{24} << 20);
  EXPECT_GT(static_cast<int64_t>(std::filesystem::file_size(path_)),
            int64_t{40} << 20);
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, WalBoundTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Background" : "SqliteAutomatic";
                         });

TEST_F(SqliteClaimStoreTest, InvalidOptionsAreRejected) {
  store::SqliteStoreOptions options;
  options.max_batch = 0;
  EXPECT_THAT(store::SqliteClaimStore::Open(path_, std::move(options)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace claimd::testing
