// LockDataDir: one claimd per data directory, whether the second one is another
// process or the same one.
#include "service/store/data_dir.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::store {
namespace {

using ::claimd::testing::StatusIs;
using ::claimd::testing::TempDir;

TEST(DataDir, CreatesMissingDirectories) {
  TempDir temp;
  const std::string dir = temp.File("a/b/c");
  ASSERT_OK_AND_ASSIGN(DataDirLock lock, LockDataDir(dir));
  EXPECT_TRUE(lock.held());
  EXPECT_EQ(lock.dir(), dir);
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_TRUE(std::filesystem::exists(dir + "/LOCK"));
}

TEST(DataDir, SecondLockInTheSameProcessIsFailedPrecondition) {
  TempDir temp;
  ASSERT_OK_AND_ASSIGN(DataDirLock lock, LockDataDir(temp.path()));
  EXPECT_THAT(LockDataDir(temp.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "data directory " + temp.path() +
                           " is in use by another claimd (lock " + temp.path() +
                           "/LOCK held)"));
}

TEST(DataDir, SecondLockInAnotherProcessIsRefused) {
  TempDir temp;
  ASSERT_OK_AND_ASSIGN(DataDirLock lock, LockDataDir(temp.path()));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<DataDirLock> second = LockDataDir(temp.path());
    _exit(!second.ok() && second.status().code() ==
                              absl::StatusCode::kFailedPrecondition
              ? 0
              : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DataDir, LockIsReleasedWhenTheObjectDies) {
  TempDir temp;
  { ASSERT_OK(LockDataDir(temp.path())); }
  EXPECT_OK(LockDataDir(temp.path()));
}

TEST(DataDir, MovedLockStaysHeld) {
  TempDir temp;
  ASSERT_OK_AND_ASSIGN(DataDirLock first, LockDataDir(temp.path()));
  DataDirLock moved = std::move(first);
  EXPECT_FALSE(
      first.held());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_TRUE(moved.held());
  EXPECT_THAT(LockDataDir(temp.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  moved = DataDirLock();
  EXPECT_OK(LockDataDir(temp.path()));
}

TEST(DataDir, DatabaseLivesInTheDirectory) {
  EXPECT_EQ(DatabasePath("/var/lib/claimd"), "/var/lib/claimd/claims.db");
}

}  // namespace
}  // namespace claimd::store
