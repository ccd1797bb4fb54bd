// The ClaimStore conformance suite: behaviour every storage backend must show,
// written once against the interface (like leveldb's db_test over Env). A
// backend runs it with
//
//   INSTANTIATE_TEST_SUITE_P(
//       Sqlite, ClaimStoreConformanceTest,
//       ::testing::Values(StoreFactory{"Sqlite", &OpenSqlite}),
//       StoreFactoryName);
//
// Each test gets a fresh temporary directory; `open` may be called again on the
// same directory to reopen the store.
#ifndef CLAIMD_TESTS_STORE_CLAIM_STORE_CONFORMANCE_H_
#define CLAIMD_TESTS_STORE_CLAIM_STORE_CONFORMANCE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "service/core/claim_store.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {

struct StoreFactory {
  std::string name;
  // Opens the store kept in `dir` (empty directory: a new store).
  std::function<absl::StatusOr<std::unique_ptr<core::ClaimStore>>(
      const std::string& dir, core::CommitObserver* observer,
      std::function<absl::Time()> clock)>
      open;
};

// gtest prints the backend's name instead of the factory's bytes.
void PrintTo(const StoreFactory& factory, std::ostream* os);
std::string StoreFactoryName(
    const ::testing::TestParamInfo<StoreFactory>& info);

// Records what a store tells its observer, plus callback completions, in one
// log, so tests can check the order of the two. Thread-safe.
class RecordingObserver : public core::CommitObserver {
 public:
  void OnOpen(int64_t current_revision) override;
  void OnCommit(absl::Span<const core::ClaimEventPtr> events) override;
  // Tests call this from mutation callbacks.
  void RecordDone(int64_t revision);

  std::vector<int64_t> opens() const;
  std::vector<core::ClaimEventPtr> events() const;
  // "commit:3", "done:3", in the order they happened.
  std::vector<std::string> log() const;

 private:
  mutable absl::Mutex mutex_;
  std::vector<int64_t> opens_ ABSL_GUARDED_BY(mutex_);
  std::vector<core::ClaimEventPtr> events_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::string> log_ ABSL_GUARDED_BY(mutex_);
};

// Mutation builders with valid fields. Updates carry one piece of evidence.
core::Mutation CreateMutation(const std::string& id,
                              std::map<std::string, std::string> labels = {},
                              const std::string& request_id = "");
core::Mutation UpdateMutation(const std::string& id,
                              core::VerificationStatus status,
                              int64_t expected_revision = 0,
                              const std::string& request_id = "");
core::Mutation DeleteMutation(const std::string& id,
                              int64_t expected_revision = 0,
                              const std::string& request_id = "");

// A clock that moves one second per reading, from 2024-01-01, with nanoseconds
// so a backend that truncates times is caught.
std::function<absl::Time()> SteppingClock();

class ClaimStoreConformanceTest
    : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void Reopen();

  TempDir dir_;
  RecordingObserver observer_;
  std::unique_ptr<core::ClaimStore> store_;
};

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_STORE_CLAIM_STORE_CONFORMANCE_H_
