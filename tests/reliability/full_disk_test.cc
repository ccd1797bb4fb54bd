// Health on a real full filesystem: the real claimd on an 8 MiB tmpfs mounted
// in a private mount namespace. Whenever health says SERVING, a typical write
// commits; once writes fail, health says NOT_SERVING and stays so (a probe
// that still fits in the few KB left must not flip it back); it comes back
// when space does; and a claimd started on a full disk never says SERVING.
//
// Mounting needs CAP_SYS_ADMIN. Where the machine refuses (not root, no
// namespaces), the test is SKIPPED with the reason, and CTest reports it as
// skipped (SKIP_REGULAR_EXPRESSION in CMakeLists.txt), never as passed.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/health_check.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CheckHealth;
using ::claimd::testing::FromGrpc;
using ::claimd::testing::WaitForHealth;

using ::grpc::health::v1::HealthCheckResponse;

// In a mount namespace of this thread's own (unshare(CLONE_NEWNS) affects the
// calling thread, and the children it forks: claimd), a tmpfs of `size` at
// `dir`. The empty string on success, else why it cannot be done here.
std::string MountSmallFilesystem(const std::string& dir, const char* size) {
  if (unshare(CLONE_NEWNS) != 0) {
    return absl::StrCat("unshare(CLONE_NEWNS): ",
                        std::generic_category().message(errno));
  }
  // Nothing mounted here may reach the machine's namespace.
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return absl::StrCat("making / private: ",
                        std::generic_category().message(errno));
  }
  if (mount("tmpfs", dir.c_str(), "tmpfs", 0,
            absl::StrCat("size=", size).c_str()) != 0) {
    return absl::StrCat("mount -t tmpfs: ",
                        std::generic_category().message(errno));
  }
  return "";
}

// A write of typical size: a 2,000-byte statement and a 1,000-byte quote.
absl::Status TypicalWrite(claims::v1::ClaimService::Stub& stub, int n) {
  claims::v1::CreateClaimRequest request;
  request.set_claim_id(absl::StrCat("claim-", n));
  request.mutable_claim()->set_statement(std::string(2000, 's'));
  (*request.mutable_claim()->mutable_labels())["batch"] = "full-disk";
  claims::v1::Evidence* evidence = request.mutable_claim()->add_evidence();
  evidence->set_source("Agency");
  evidence->set_quote(std::string(1000, 'q'));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  claims::v1::Claim claim;
  return FromGrpc(stub.CreateClaim(&context, request, &claim));
}

// Fills the filesystem at `dir` with `filler` until nothing more fits, then
// gives back `leave` bytes: the few KB a full disk has left.
void Fill(const std::string& filler, off_t leave) {
  int fd = open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0) << std::generic_category().message(errno);
  const std::string block(4096, 'f');
  off_t written = 0;
  for (int i = 0; i < 1 << 20; ++i) {  // bounded: 4 GiB at most
    ssize_t n = write(fd, block.data(), block.size());
    if (n <= 0) break;
    written += n;
  }
  ASSERT_GT(written, leave);
  ASSERT_EQ(ftruncate(fd, written - leave), 0)
      << std::generic_category().message(errno);
  close(fd);
}

TEST(FullDisk, HealthSaysServingOnlyWhenATypicalWriteCommits) {
  testing::TempDir dir;
  const std::string fs = dir.File("fs");
  ASSERT_EQ(mkdir(fs.c_str(), 0700), 0);
  if (std::string why = MountSmallFilesystem(fs, "8m"); !why.empty()) {
    GTEST_SKIP() << "cannot mount a small filesystem on this machine: " << why;
  }
  const std::string filler = fs + "/filler";
  ClaimdHarness claimd(fs + "/data", dir.path());
  ASSERT_OK(claimd.Start());
  std::shared_ptr<grpc::Channel> channel = claimd.NewChannel();
  auto stub = claims::v1::ClaimService::NewStub(channel);
  ASSERT_TRUE(
      WaitForHealth(channel, HealthCheckResponse::SERVING, absl::Seconds(10)));
  int n = 0;
  ASSERT_OK(TypicalWrite(*stub, n++));

  // Two pages left: room for a one-page commit, not for a claim.
  ASSERT_NO_FATAL_FAILURE(Fill(filler, 8192));
  // Writes go on while the WAL and free pages have room, then fail.
  absl::Status failed;
  for (int i = 0; i < 3000 && failed.ok(); ++i)
    failed = TypicalWrite(*stub, n++);
  ASSERT_FALSE(failed.ok()) << "the disk never filled";
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  ASSERT_TRUE(WaitForHealth(channel, HealthCheckResponse::NOT_SERVING,
                            absl::Seconds(10)))
      << claimd.Stderr();

  // Several probe intervals (1 s each): health may say SERVING only when a
  // write would commit, and a write attempted then must.
  int serving_seen = 0;
  for (int i = 0; i < 40; ++i) {
    if (CheckHealth(channel) == HealthCheckResponse::SERVING) {
      ++serving_seen;
      absl::Status write = TypicalWrite(*stub, n++);
      EXPECT_OK(write) << "health said SERVING but a typical write failed";
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  // Checkpoints may free a little room now and then, so SERVING is allowed
  // here, but only with the write it promises (above).
  std::printf("SERVING seen %d times on the full disk\n", serving_seen);

  // Space again: health comes back and writes commit.
  ASSERT_EQ(unlink(filler.c_str()), 0);
  EXPECT_TRUE(
      WaitForHealth(channel, HealthCheckResponse::SERVING, absl::Seconds(15)))
      << claimd.Stderr();
  EXPECT_OK(TypicalWrite(*stub, n++));

  // Restarted on a full disk: never SERVING, from its first answer on.
  ASSERT_TRUE(claimd.Stop(SIGTERM, absl::Seconds(20)).has_value());
  ASSERT_NO_FATAL_FAILURE(Fill(filler, 8192));
  absl::Status started = claimd.Start();
  if (started.ok()) {
    std::shared_ptr<grpc::Channel> again = claimd.NewChannel();
    for (int i = 0; i < 20; ++i) {
      HealthCheckResponse::ServingStatus status = CheckHealth(again);
      EXPECT_NE(status, HealthCheckResponse::SERVING)
          << "a claimd started on a full disk said SERVING";
      absl::SleepFor(absl::Milliseconds(100));
    }
  } else {
    // Refusing to start on a disk it cannot write is truthful too: say why.
    std::printf("claimd did not start on the full disk: %s\n",
                std::string(started.message()).c_str());
  }
  claimd.KillNow();
  umount2(fs.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace claimd::e2e
