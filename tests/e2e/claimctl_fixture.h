// The fixture of the claimctl end-to-end tests: a real claimd on a free
// loopback port with a fresh data directory, and a way to run the real claimctl
// against it.
//
//   TEST_F(ClaimctlTest, GetMissingClaimExitsThree) {
//     CommandResult get = Ctl({"get", "nosuch"});
//     EXPECT_EQ(get.exit.code, 3) << get.Describe();
//   }
//
// Thread-safety: used by the test's thread only.
#ifndef CLAIMD_TESTS_E2E_CLAIMCTL_FIXTURE_H_
#define CLAIMD_TESTS_E2E_CLAIMCTL_FIXTURE_H_

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {

class ClaimctlTest : public ::testing::Test {
 protected:
  // A short grace: claimd waits for idle client connections up to it on
  // SIGTERM.
  ClaimctlTest()
      : claimd_(dir_.File("data"), dir_.path(), {"--shutdown_grace=2s"}) {}

  void SetUp() override { ASSERT_OK(claimd_.Start()); }

  // claimctl --server <claimd> args...
  CommandResult Ctl(std::vector<std::string> args,
                    absl::Duration timeout = absl::Seconds(20)) {
    args.insert(args.begin(), {"--server", claimd_.address()});
    return RunCommand(ClaimctlBinary(), args, dir_.path(), timeout);
  }

  // Runs the command and expects exit code 0.
  CommandResult CtlOk(const std::vector<std::string>& args) {
    CommandResult result = Ctl(args);
    EXPECT_TRUE(result.exit.Success())
        << "claimctl " << absl::StrJoin(args, " ") << ": " << result.Describe();
    return result;
  }

  // Non-empty lines of `text`.
  static std::vector<std::string> Lines(const std::string& text) {
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }

  claimd::testing::TempDir dir_;  // first: outlives the claimd that uses it
  ClaimdHarness claimd_;
};

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_CLAIMCTL_FIXTURE_H_
