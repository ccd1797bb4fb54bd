// Online backup and restore of the SQLite store (service/store/sqlite_backup.h)
// and the store id (sqlite_store_id.h), on real files in a temporary
// directory.
#include "service/store/sqlite_backup.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::store {
namespace {

namespace fs = std::filesystem;
using ::claimd::testing::CreateMutation;
using ::claimd::testing::DeleteMutation;
using ::claimd::testing::StatusIs;
using ::claimd::testing::TempDir;
using ::claimd::testing::UpdateMutation;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::unique_ptr<SqliteClaimStore> OpenStore(const std::string& dir) {
  fs::create_directories(dir);
  SqliteStoreOptions options;
  options.durable = false;  // speed; durability is not what is tested here
  absl::StatusOr<std::unique_ptr<SqliteClaimStore>> store =
      SqliteClaimStore::Open(DatabasePath(dir), options);
  EXPECT_OK(store.status());
  return store.ok() ? *std::move(store) : nullptr;
}

std::vector<core::ClaimEventPtr> AllEvents(core::ClaimStore& store) {
  std::vector<core::ClaimEventPtr> events;
  core::ListEventsQuery query{.from_revision = 1, .limit = 1000};
  for (int page = 0; page < 1000; ++page) {
    absl::StatusOr<core::EventPage> got = store.ListEvents(query);
    EXPECT_OK(got.status());
    if (!got.ok()) break;
    events.insert(events.end(), got->events.begin(), got->events.end());
    if (!got->more) break;
    query.from_revision = got->next_revision;
  }
  return events;
}

std::vector<core::Claim> AllClaims(core::ClaimStore& store) {
  std::vector<core::Claim> claims;
  core::ListClaimsQuery query{.limit = 1000};
  for (int page = 0; page < 1000; ++page) {
    absl::StatusOr<core::ClaimPage> got = store.List(query);
    EXPECT_OK(got.status());
    if (!got.ok()) break;
    claims.insert(claims.end(), got->claims.begin(), got->claims.end());
    if (!got->more) break;
    query.after_id = got->last_examined_id;
  }
  return claims;
}

// Writes claims one acknowledged mutation at a time (creates, updates,
// deletes) until stopped or kMaxWrites, remembering every acknowledged event.
class Writer {
 public:
  static constexpr int kMaxWrites = 20000;

  explicit Writer(core::ClaimStore& store)
      : thread_([this, &store] { Run(store); }) {}
  ~Writer() { Stop(); }

  void Stop() {
    {
      absl::MutexLock lock(&mutex_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }
  // Waits (up to 30 s) until `count` writes were acknowledged.
  bool WaitForAcked(size_t count) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, count] {
      mutex_.AssertHeld();
      return acked_.size() >= count || done_;
    };
    mutex_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(30));
    return acked_.size() >= count;
  }
  std::vector<core::ClaimEventPtr> acked() {
    absl::MutexLock lock(&mutex_);
    return acked_;
  }
  absl::Status failure() {
    absl::MutexLock lock(&mutex_);
    return failure_;
  }

 private:
  void Run(core::ClaimStore& store) {
    for (int i = 0; i < kMaxWrites; ++i) {
      {
        absl::MutexLock lock(&mutex_);
        if (stop_) break;
      }
      const std::string id = absl::StrCat("c", i / 3);
      core::Mutation mutation =
          i % 3 == 0 ? CreateMutation(id, {{"n", absl::StrCat(i)}})
          : i % 3 == 1
              ? UpdateMutation(id, core::VerificationStatus::kConfirmed)
          : i % 9 == 8 ? DeleteMutation(id)
                       : UpdateMutation(id, core::VerificationStatus::kDenied);
      absl::StatusOr<core::MutationResult> result =
          store.Apply(std::move(mutation));
      absl::MutexLock lock(&mutex_);
      if (!result.ok()) {
        failure_ = result.status();
        break;
      }
      acked_.push_back(result->event);
    }
    absl::MutexLock lock(&mutex_);
    done_ = true;
  }

  absl::Mutex mutex_;
  bool stop_ ABSL_GUARDED_BY(mutex_) = false;
  bool done_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<core::ClaimEventPtr> acked_ ABSL_GUARDED_BY(mutex_);
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

TEST(StoreId, IsCreatedWithTheStoreAndKeptAcrossReopens) {
  TempDir dir;
  std::string id;
  {
    std::unique_ptr<SqliteClaimStore> store = OpenStore(dir.File("a"));
    ASSERT_NE(store, nullptr);
    id = store->StoreId();
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
  }
  std::unique_ptr<SqliteClaimStore> again = OpenStore(dir.File("a"));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->StoreId(), id);
  std::unique_ptr<SqliteClaimStore> other = OpenStore(dir.File("b"));
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->StoreId(), id);
}

TEST(SqliteBackup, UnderWriteLoadHoldsEveryEarlierWriteAndReplaysExactly) {
  TempDir dir;
  const std::string data = dir.File("data");
  std::unique_ptr<SqliteClaimStore> store = OpenStore(data);
  ASSERT_NE(store, nullptr);
  Writer writer(*store);
  ASSERT_TRUE(writer.WaitForAcked(300)) << writer.failure();

  const size_t acked_before = writer.acked().size();
  bool waited = false;
  BackupOptions options;
  options.pages_per_step = 1;
  options.on_progress = [&](int64_t, int64_t) {
    if (waited) return;
    waited = true;
    // The read snapshot is open and copying has begun: let the writer commit
    // more, so the copy provably runs while the store changes.
    EXPECT_TRUE(writer.WaitForAcked(acked_before + 200)) << writer.failure();
  };
  ASSERT_OK_AND_ASSIGN(BackupInfo info,
                       BackupStore(data, dir.File("backup.cbk"), options));
  writer.Stop();
  ASSERT_OK(writer.failure());
  const std::vector<core::ClaimEventPtr> acked = writer.acked();
  EXPECT_TRUE(waited);
  EXPECT_FALSE(fs::exists(dir.File("backup.cbk.partial")));

  // Every write acknowledged before the backup began is in it, and writes
  // acknowledged while it copied are not (one snapshot, not a torn copy).
  EXPECT_GE(info.revision, static_cast<int64_t>(acked_before));
  EXPECT_LT(info.revision, static_cast<int64_t>(acked.size()));
  EXPECT_EQ(info.store_id, store->StoreId());

  ASSERT_OK_AND_ASSIGN(RestoreResult restored,
                       RestoreStore(dir.File("backup.cbk"), dir.File("new")));
  EXPECT_EQ(restored.backup.revision, info.revision);
  EXPECT_NE(restored.store_id, store->StoreId());
  std::unique_ptr<SqliteClaimStore> copy = OpenStore(dir.File("new"));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->CurrentRevision(), info.revision);
  EXPECT_EQ(copy->StoreId(), restored.store_id);

  // Its history is dense, is exactly the acknowledged history up to its
  // revision, and replays to its claims.
  const std::vector<core::ClaimEventPtr> history = AllEvents(*copy);
  ASSERT_EQ(history.size(), static_cast<size_t>(info.revision));
  std::map<std::string, core::Claim> replayed;
  for (size_t i = 0; i < history.size(); ++i) {
    ASSERT_EQ(history[i]->revision, static_cast<int64_t>(i + 1));
    ASSERT_EQ(*history[i], *acked[i]) << "revision " << i + 1;
    if (history[i]->type == core::EventType::kDeleted) {
      replayed.erase(history[i]->claim.id);
    } else {
      replayed[history[i]->claim.id] = history[i]->claim;
    }
  }
  const std::vector<core::Claim> claims = AllClaims(*copy);
  ASSERT_EQ(claims.size(), replayed.size());
  EXPECT_EQ(info.claims, static_cast<int64_t>(claims.size()));
  for (const core::Claim& claim : claims) {
    EXPECT_EQ(claim, replayed[claim.id]);
  }
}

class BackupFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::unique_ptr<SqliteClaimStore> store = OpenStore(dir_.File("data"));
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 50; ++i) {
      ASSERT_OK(store->Apply(CreateMutation(absl::StrCat("c", i))).status());
    }
    store->Close();
    ASSERT_OK_AND_ASSIGN(info_, BackupStore(dir_.File("data"), backup()));
  }
  std::string backup() const { return dir_.File("backup.cbk"); }
  std::string Damaged(const std::string& name,
                      const std::function<void(std::string&)>& change) {
    std::ifstream in(backup(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    change(bytes);
    std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  TempDir dir_;
  BackupInfo info_;
};

TEST_F(BackupFileTest, NamesItsRevisionAndStoreIdAndVerifies) {
  EXPECT_EQ(info_.revision, 50);
  EXPECT_EQ(info_.claims, 50);
  EXPECT_THAT(info_.store_id, MatchesRegex("[0-9a-f]{32}"));
  ASSERT_OK_AND_ASSIGN(BackupInfo read, VerifyBackup(backup()));
  EXPECT_EQ(read.revision, 50);
  EXPECT_EQ(read.store_id, info_.store_id);
  EXPECT_EQ(read.sha256, info_.sha256);
  EXPECT_THAT(FormatBackupInfo(read), HasSubstr("revision: 50\n"));
}

TEST_F(BackupFileTest, NeverOverwritesAFile) {
  EXPECT_THAT(BackupStore(dir_.File("data"), backup()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("never overwrites")));
}

// A store smaller than one default step (1,024 pages) is still copied at the
// rate asked for: a throttled copy steps about a tenth of a second's worth of
// pages at a time (here one page), not the whole store at once.
TEST_F(BackupFileTest, AThrottledCopyOfASmallStoreStepsAtTheRate) {
  BackupOptions options;
  options.max_bytes_per_second = 40960;  // a tenth of it: one 4 KiB page
  int64_t pages = 0;
  std::vector<int64_t> copied_after_each_step;
  options.on_start = [&](int64_t, int64_t total) { pages = total; };
  options.on_progress = [&](int64_t copied, int64_t) {
    copied_after_each_step.push_back(copied);
  };
  ASSERT_OK(
      BackupStore(dir_.File("data"), dir_.File("slow.cbk"), options).status());
  ASSERT_GT(pages, 1);
  ASSERT_LT(pages, 1024);
  // One report per step but the last (which ends the copy).
  ASSERT_EQ(copied_after_each_step.size(), static_cast<size_t>(pages - 1));
  for (size_t i = 0; i < copied_after_each_step.size(); ++i) {
    EXPECT_EQ(copied_after_each_step[i], static_cast<int64_t>(i + 1));
  }
}

TEST_F(BackupFileTest, RefusesADirectoryWithoutAStore) {
  fs::create_directories(dir_.File("empty"));
  EXPECT_THAT(BackupStore(dir_.File("empty"), dir_.File("x.cbk")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no claimd store")));
  EXPECT_FALSE(fs::exists(dir_.File("x.cbk.partial")));
}

TEST_F(BackupFileTest, RefusesAMissingDirectoryForTheFile) {
  EXPECT_THAT(BackupStore(dir_.File("data"), dir_.File("no/such/x.cbk")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("does not exist: create it first")));
}

TEST_F(BackupFileTest, EveryRestoreGetsANewStoreId) {
  ASSERT_OK_AND_ASSIGN(RestoreResult one,
                       RestoreStore(backup(), dir_.File("one")));
  ASSERT_OK_AND_ASSIGN(RestoreResult two,
                       RestoreStore(backup(), dir_.File("two")));
  EXPECT_NE(one.store_id, info_.store_id);
  EXPECT_NE(two.store_id, info_.store_id);
  EXPECT_NE(one.store_id, two.store_id);
  EXPECT_FALSE(fs::exists(DatabasePath(dir_.File("one")) + ".restoring"));
}

TEST_F(BackupFileTest, RestoreRefusesANonEmptyDirectory) {
  fs::create_directories(dir_.File("busy"));
  std::ofstream(dir_.File("busy/keep")) << "x";
  EXPECT_THAT(RestoreStore(backup(), dir_.File("busy")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is not empty")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.File("busy")),
                          fs::directory_iterator()),
            1);
}

TEST_F(BackupFileTest, CorruptOrTruncatedFilesAreRefusedAndNothingWritten) {
  struct Case {
    std::string name;
    std::function<void(std::string&)> change;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"flipped-in-database", [](std::string& b) { b[b.size() / 3] ^= 0x01; },
       "checksum mismatch"},
      {"flipped-in-trailer", [](std::string& b) { b[b.size() - 150] ^= 0x01; },
       ""},
      {"truncated-by-one", [](std::string& b) { b.pop_back(); }, "incomplete"},
      {"truncated-to-half", [](std::string& b) { b.resize(b.size() / 2); },
       "incomplete"},
      {"empty", [](std::string& b) { b.clear(); }, "incomplete"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string file = Damaged(c.name, c.change);
    EXPECT_THAT(
        VerifyBackup(file),
        StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(c.reason)));
    const std::string target = dir_.File("restored-" + c.name);
    EXPECT_THAT(
        RestoreStore(file, target),
        StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(c.reason)));
    EXPECT_FALSE(fs::exists(target));
    // An existing empty target stays empty.
    fs::create_directories(target);
    EXPECT_THAT(RestoreStore(file, target),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_TRUE(fs::is_empty(target));
  }
}

TEST_F(BackupFileTest, AnUnsealedPartialFileIsIncomplete) {
  // What a backup killed before sealing leaves: the database image alone.
  const std::string partial = Damaged("x.cbk.partial", [this](std::string& b) {
    b.resize(info_.database_bytes);
  });
  EXPECT_THAT(RestoreStore(partial, dir_.File("target")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("unfinished .partial")));
  EXPECT_FALSE(fs::exists(dir_.File("target")));
}

TEST(SqliteBackup, AnEmptyStoreRoundTrips) {
  TempDir dir;
  { ASSERT_NE(OpenStore(dir.File("data")), nullptr); }
  ASSERT_OK_AND_ASSIGN(BackupInfo info,
                       BackupStore(dir.File("data"), dir.File("b.cbk")));
  EXPECT_EQ(info.revision, 0);
  ASSERT_OK(RestoreStore(dir.File("b.cbk"), dir.File("new")).status());
  std::unique_ptr<SqliteClaimStore> store = OpenStore(dir.File("new"));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->CurrentRevision(), 0);
}

}  // namespace
}  // namespace claimd::store
