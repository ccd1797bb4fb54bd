// A watcher that resumes from its last response revision + 1 after claimd
// restarts sees every event exactly once, in order: across a graceful SIGTERM
// and across a SIGKILL.
#include <signal.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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
using ::claimd::testing::UpdateClaimStatus;

namespace v1 = ::claims::v1;
using ::testing::HasSubstr;

constexpr int64_t kBeforeRestart = 300;
constexpr int64_t kAfterRestart = 200;
constexpr absl::Duration kGrace = absl::Seconds(2);

v1::WatchClaimsRequest WatchFrom(int64_t revision) {
  v1::WatchClaimsRequest request;
  request.set_start_revision(revision);
  return request;
}

// Writes `count` mutations, sequentially: a third creates claims `prefix`-N,
// the rest flip their status. Returns the acknowledged revisions.
std::vector<int64_t> WriteMutations(v1::ClaimService::Stub& stub,
                                    const std::string& prefix, int64_t count) {
  std::vector<int64_t> revisions;
  std::vector<std::string> ids;
  for (int64_t i = 0; i < count; ++i) {
    absl::StatusOr<v1::Claim> claim;
    if (i % 3 == 0) {
      ids.push_back(absl::StrCat(prefix, "-", i));
      claim = CreateClaim(stub, ids.back(), absl::StrCat("statement ", i));
    } else {
      claim = UpdateClaimStatus(stub, absl::StrCat("claims/", ids.back()),
                                i % 3 == 1 ? v1::VERIFICATION_STATUS_CONFIRMED
                                           : v1::VERIFICATION_STATUS_DENIED,
                                "source");
    }
    EXPECT_OK(claim) << "mutation " << i << " of " << prefix;
    if (!claim.ok()) break;
    revisions.push_back(claim->revision());
  }
  return revisions;
}

std::vector<int64_t> Range(int64_t first, int64_t last) {
  std::vector<int64_t> values(last - first + 1);
  std::iota(values.begin(), values.end(), first);
  return values;
}

// "" when `got` is exactly first..last, else where it first differs from that.
std::string SequenceProblem(const std::vector<int64_t>& got, int64_t first,
                            int64_t last) {
  int64_t expected = first;
  for (size_t i = 0; i < got.size(); ++i, ++expected) {
    if (got[i] != expected) {
      return absl::StrCat(
          "element #", i, " is revision ", got[i], ", expected ", expected,
          i > 0 ? absl::StrCat(" (after ", got[i - 1], ")") : "", "; ",
          got.size(), " events in all");
    }
  }
  if (expected != last + 1) {
    return absl::StrCat("ends after revision ", expected - 1, ", expected ",
                        last);
  }
  return "";
}

// The value after "start_revision=" in `message`, or nullopt.
std::optional<int64_t> ResumeRevisionIn(const std::string& message) {
  const std::string key = "start_revision=";
  size_t at = message.find(key);
  if (at == std::string::npos) return std::nullopt;
  at += key.size();
  size_t end = at;
  while (end < message.size() && message[end] >= '0' && message[end] <= '9')
    ++end;
  int64_t value = 0;
  if (!absl::SimpleAtoi(message.substr(at, end - at), &value))
    return std::nullopt;
  return value;
}

enum class Stop { kSigterm, kSigkill };

// Watch from 1, write 300, stop claimd as `how`, restart on the same port and
// data, resume from the last response revision + 1, write 200 more: the joined
// events are exactly 1..500.
void ResumeAcrossRestart(Stop how) {
  testing::TempDir dir;
  ClaimdHarness claimd(
      dir.File("data"), dir.path(),
      {absl::StrCat("--shutdown_grace=", absl::FormatDuration(kGrace)),
       "--progress_interval=200ms"});
  ASSERT_OK(claimd.Start());
  std::vector<int64_t> seen;
  int64_t resume_from = 0;
  {
    WatchRecorder watch(claimd.NewChannel(), WatchFrom(1));
    ASSERT_TRUE(watch.WaitForFirstResponse(absl::Seconds(5)));
    auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
    std::vector<int64_t> written =
        WriteMutations(*stub, "before", kBeforeRestart);
    ASSERT_EQ(written, Range(1, kBeforeRestart))
        << "sequential writes get revisions 1..300";

    if (how == Stop::kSigterm) {
      std::optional<ExitStatus> exit =
          claimd.Stop(SIGTERM, kGrace + absl::Seconds(2));
      ASSERT_TRUE(exit.has_value())
          << "claimd did not exit within the grace period + 2 s";
      EXPECT_TRUE(exit->Success()) << exit->ToString() << "\n"
                                   << claimd.Stderr();
    } else {
      ExitStatus exit = claimd.KillNow();
      EXPECT_FALSE(exit.exited) << exit.ToString();
    }

    std::optional<grpc::Status> end = watch.WaitForEnd(absl::Seconds(10));
    ASSERT_TRUE(end.has_value())
        << "the watch did not end after claimd stopped";
    EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAVAILABLE)
        << end->error_message();
    seen = watch.event_revisions();
    resume_from = watch.last_response_revision() + 1;
    if (how == Stop::kSigterm) {
      // Graceful: the server says where to resume, and that is where we are.
      EXPECT_THAT(end->error_message(), HasSubstr("start_revision="));
      std::optional<int64_t> told = ResumeRevisionIn(end->error_message());
      ASSERT_TRUE(told.has_value()) << end->error_message();
      EXPECT_EQ(*told, resume_from)
          << "the shutdown message and the last response "
             "revision disagree on where to resume";
    }
  }
  std::cerr << "the first watch saw " << seen.size()
            << " events; resuming from " << resume_from << "\n";

  ASSERT_OK(claimd.Start(claimd.port()));
  {
    WatchRecorder watch(claimd.NewChannel(), WatchFrom(resume_from));
    auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
    std::vector<int64_t> written =
        WriteMutations(*stub, "after", kAfterRestart);
    ASSERT_EQ(written,
              Range(kBeforeRestart + 1, kBeforeRestart + kAfterRestart));
    EXPECT_TRUE(watch.WaitForEventRevision(kBeforeRestart + kAfterRestart,
                                           absl::Seconds(10)))
        << "the resumed watch did not reach revision "
        << kBeforeRestart + kAfterRestart;
    std::vector<int64_t> resumed = watch.event_revisions();
    seen.insert(seen.end(), resumed.begin(), resumed.end());
  }
  EXPECT_EQ(SequenceProblem(seen, 1, kBeforeRestart + kAfterRestart), "")
      << "every event exactly once, in revision order";
}

TEST(ClaimdWatchResume, WatcherResumedAfterRestartSeesEveryEventOnce) {
  ResumeAcrossRestart(Stop::kSigterm);
}

TEST(ClaimdWatchResume,
     WatcherResumedAfterKillNineSeesEveryCommittedEventOnce) {
  ResumeAcrossRestart(Stop::kSigkill);
}

}  // namespace
}  // namespace claimd::e2e
