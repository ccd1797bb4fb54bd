// claimd as a process: it stops cleanly and promptly on SIGTERM, and a second
// claimd on the same data directory or the same port refuses to start, saying
// why.
#include <signal.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/watch_recorder.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;

namespace v1 = ::claims::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::Duration kGrace = absl::Seconds(2);

TEST(ClaimdProcess, SigtermWithOpenWatchExitsZeroWithinGrace) {
  testing::TempDir dir;
  ClaimdHarness claimd(
      dir.File("data"), dir.path(),
      {absl::StrCat("--shutdown_grace=", absl::FormatDuration(kGrace))});
  ASSERT_OK(claimd.Start());
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  ASSERT_OK(
      CreateClaim(*stub, "before-stop", "written before SIGTERM").status());

  v1::WatchClaimsRequest request;
  request.set_start_revision(1);
  WatchRecorder watch(claimd.NewChannel(), request);
  ASSERT_TRUE(watch.WaitForEventRevision(1, absl::Seconds(5)));

  const absl::Time signalled = absl::Now();
  std::optional<ExitStatus> exit =
      claimd.Stop(SIGTERM, kGrace + absl::Seconds(2));
  const absl::Duration took = absl::Now() - signalled;
  ASSERT_TRUE(exit.has_value())
      << "claimd still running " << kGrace + absl::Seconds(2)
      << " after SIGTERM\n"
      << claimd.Stderr();
  EXPECT_TRUE(exit->Success()) << exit->ToString() << "\n" << claimd.Stderr();
  std::cerr << "claimd stopped " << took << " after SIGTERM\n";

  std::optional<grpc::Status> end = watch.WaitForEnd(absl::Seconds(5));
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAVAILABLE)
      << end->error_message();
  EXPECT_THAT(end->error_message(), HasSubstr("start_revision=2"));
  EXPECT_THAT(claimd.Stderr(), HasSubstr("stopped cleanly"));
}

// The grace period is for calls in flight. A client that merely keeps its
// connection open (every gRPC channel does) must not hold a restart back: while
// claimd lingers, calls on such connections fail with CANCELLED, which clients
// do not retry.
TEST(ClaimdProcess,
     SigtermWithOnlyAnIdleConnectionExitsWithoutWaitingForGrace) {
  constexpr absl::Duration kLongGrace = absl::Seconds(4);
  testing::TempDir dir;
  ClaimdHarness claimd(
      dir.File("data"), dir.path(),
      {absl::StrCat("--shutdown_grace=", absl::FormatDuration(kLongGrace))});
  ASSERT_OK(claimd.Start());
  // One finished call; the channel (and its connection) stays open and idle.
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  ASSERT_OK(CreateClaim(*stub, "idle", "a call that finished").status());

  const absl::Time signalled = absl::Now();
  std::optional<ExitStatus> exit =
      claimd.Stop(SIGTERM, kLongGrace + absl::Seconds(2));
  const absl::Duration took = absl::Now() - signalled;
  ASSERT_TRUE(exit.has_value()) << claimd.Stderr();
  EXPECT_TRUE(exit->Success()) << exit->ToString();
  EXPECT_LT(took, absl::Milliseconds(1500))
      << "nothing was in flight, yet claimd took " << took << " to stop (grace "
      << kLongGrace << ")";
}

TEST(ClaimdProcess, HelpPrintsTheFlagsAndExitsZero) {
  testing::TempDir dir;
  for (const char* help : {"--help", "-help", "--helpfull"}) {
    CommandResult result =
        RunCommand(ClaimdBinary(), {help}, dir.path(), absl::Seconds(10));
    ASSERT_FALSE(result.timed_out) << help << ": " << result.Describe();
    EXPECT_TRUE(result.exit.Success()) << help << ": " << result.Describe();
    EXPECT_THAT(result.out,
                AllOf(HasSubstr("Usage: claimd"), HasSubstr("--listen"),
                      HasSubstr("--data_dir")))
        << help;
  }
  // A mistyped flag is still an error.
  CommandResult typo = RunCommand(ClaimdBinary(), {"--lisen=127.0.0.1:1"},
                                  dir.path(), absl::Seconds(10));
  ASSERT_FALSE(typo.timed_out) << typo.Describe();
  EXPECT_TRUE(typo.exit.exited) << typo.Describe();
  EXPECT_NE(typo.exit.code, 0) << typo.Describe();
  EXPECT_THAT(typo.err, HasSubstr("lisen"));
}

TEST(ClaimdProcess, SecondClaimdOnSameDataDirFailsNamingTheLock) {
  testing::TempDir dir;
  ClaimdHarness first(dir.File("data"), dir.path());
  ASSERT_OK(first.Start());

  absl::StatusOr<int> other_port = PickFreePort();
  ASSERT_OK(other_port);
  CommandResult second = RunCommand(
      ClaimdBinary(),
      {absl::StrCat("--listen=127.0.0.1:", *other_port),
       absl::StrCat("--data_dir=", dir.File("data")), "--metrics_listen="},
      dir.path(), absl::Seconds(10));
  ASSERT_FALSE(second.timed_out)
      << "the second claimd kept running: " << second.Describe();
  EXPECT_TRUE(second.exit.exited) << second.Describe();
  EXPECT_NE(second.exit.code, 0) << second.Describe();
  EXPECT_THAT(second.err,
              AllOf(HasSubstr("data directory"), HasSubstr("in use"),
                    HasSubstr(dir.File("data") + "/LOCK")));

  // The first one is unharmed.
  EXPECT_TRUE(first.running());
  auto stub = v1::ClaimService::NewStub(first.NewChannel());
  EXPECT_OK(CreateClaim(*stub, "still-serving", "the first claimd still serves")
                .status());
}

TEST(ClaimdProcess, SecondClaimdOnSamePortFailsNamingTheAddress) {
  testing::TempDir dir;
  ClaimdHarness first(dir.File("data"), dir.path());
  ASSERT_OK(first.Start());

  CommandResult second =
      RunCommand(ClaimdBinary(),
                 {"--listen=" + first.address(),
                  "--data_dir=" + dir.File("other"), "--metrics_listen="},
                 dir.path(), absl::Seconds(10));
  ASSERT_FALSE(second.timed_out)
      << "the second claimd kept running (did it share the port "
         "with SO_REUSEPORT?): "
      << second.Describe();
  // An orderly exit with a message, not a crash.
  EXPECT_TRUE(second.exit.exited) << second.Describe();
  EXPECT_NE(second.exit.code, 0) << second.Describe();
  // gRPC itself logs the address too; claimd's own line says what it could not
  // do.
  EXPECT_THAT(second.err, HasSubstr("cannot listen on " + first.address()))
      << second.Describe();

  EXPECT_TRUE(first.running());
  auto stub = v1::ClaimService::NewStub(first.NewChannel());
  EXPECT_OK(CreateClaim(*stub, "still-serving", "the first claimd still serves")
                .status());
}

}  // namespace
}  // namespace claimd::e2e
