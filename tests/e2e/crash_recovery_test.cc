// claimd killed with SIGKILL while clients write: every write it acknowledged
// must be there after a restart on the same data directory, and the revision
// log must stay dense.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;
using ::claimd::testing::ListAllClaims;
using ::claimd::testing::ListAllEvents;
using ::claimd::testing::UpdateClaimStatus;

namespace v1 = ::claims::v1;

constexpr int kWriters = 4;
constexpr int kCycles = 3;
// Each cycle writes until either bound is reached, then claimd is killed
// mid-stream.
constexpr absl::Duration kWriteTime = absl::Milliseconds(1500);
constexpr int64_t kAcksPerCycle = 3000;

// A write the server answered OK: it must survive any crash after that.
struct AckedWrite {
  std::string id;
  int64_t revision = 0;
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
  v1::VerificationStatus status = v1::VERIFICATION_STATUS_UNSPECIFIED;
};

class AckLog {
 public:
  void Add(AckedWrite write) {
    absl::MutexLock lock(&mutex_);
    writes_.push_back(std::move(write));
  }
  int64_t size() {
    absl::MutexLock lock(&mutex_);
    return static_cast<int64_t>(writes_.size());
  }
  std::vector<AckedWrite> writes() {
    absl::MutexLock lock(&mutex_);
    return writes_;
  }

 private:
  absl::Mutex mutex_;
  std::vector<AckedWrite> writes_ ABSL_GUARDED_BY(mutex_);
};

// Creates claims and flips their status (REPORTED -> CONFIRMED -> DENIED ->
// ...) until `stop`, recording every acknowledged write. A write that failed
// has an unknown outcome: the writer then moves on to a fresh claim, so it
// never depends on one.
void WriteUntilStopped(int writer, int cycle,
                       std::shared_ptr<grpc::Channel> channel,
                       const std::atomic<bool>& stop, AckLog& acks) {
  auto stub = v1::ClaimService::NewStub(std::move(channel));
  // Bounded even if `stop` never came: 1,000,000 claims is far beyond any
  // cycle.
  for (int n = 0; n < 1000000 && !stop.load(); ++n) {
    const std::string id = absl::StrCat("w", writer, "-c", cycle, "-", n);
    absl::StatusOr<v1::Claim> created =
        CreateClaim(*stub, id, "written under fire");
    if (!created.ok()) {
      absl::SleepFor(absl::Milliseconds(5));  // the server is gone; don't spin
      continue;
    }
    acks.Add({id, created->revision(), v1::EVENT_TYPE_CREATED,
              v1::VERIFICATION_STATUS_REPORTED});
    v1::VerificationStatus status = v1::VERIFICATION_STATUS_REPORTED;
    for (int update = 0; update < 3 && !stop.load(); ++update) {
      const v1::VerificationStatus next =
          status == v1::VERIFICATION_STATUS_CONFIRMED
              ? v1::VERIFICATION_STATUS_DENIED
              : v1::VERIFICATION_STATUS_CONFIRMED;
      absl::StatusOr<v1::Claim> updated =
          UpdateClaimStatus(*stub, absl::StrCat("claims/", id), next, "writer");
      if (!updated.ok()) break;
      acks.Add({id, updated->revision(), v1::EVENT_TYPE_STATUS_CHANGED, next});
      status = next;
    }
  }
}

// Every claim by name, through ListClaims pages (bounded).
absl::StatusOr<std::map<std::string, v1::Claim>> ClaimsByName(
    v1::ClaimService::Stub& stub) {
  absl::StatusOr<std::vector<v1::Claim>> all = ListAllClaims(stub);
  if (!all.ok()) return all.status();
  std::map<std::string, v1::Claim> claims;
  for (v1::Claim& claim : *all) claims[claim.name()] = std::move(claim);
  return claims;
}

// Checks every acknowledged write against the restarted server. Reports at most
// a few failures of each kind, so one systematic bug does not print thousands
// of lines.
void VerifyAcknowledgedWrites(v1::ClaimService::Stub& stub,
                              const std::vector<AckedWrite>& acks, int cycle) {
  SCOPED_TRACE(absl::StrCat("after kill number ", cycle + 1));
  ASSERT_OK_AND_ASSIGN(std::vector<v1::ClaimEvent> events,
                       ListAllEvents(stub, "claims/-"));

  // The log is dense: revisions 1..N, each once, in order.
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].revision() != static_cast<int64_t>(i + 1)) {
      ADD_FAILURE() << "event #" << i << " of claims/- has revision "
                    << events[i].revision() << ", expected " << i + 1
                    << " (the revision log must be dense)";
      break;
    }
  }
  std::map<int64_t, const v1::ClaimEvent*> by_revision;
  for (const v1::ClaimEvent& event : events)
    by_revision[event.revision()] = &event;

  ASSERT_OK_AND_ASSIGN(auto claims, ClaimsByName(stub));
  std::map<std::string, int64_t>
      newest_ack;  // claim name -> highest acked revision
  int missing_events = 0;
  int wrong_events = 0;
  for (const AckedWrite& ack : acks) {
    const std::string name = absl::StrCat("claims/", ack.id);
    int64_t& newest = newest_ack[name];
    newest = std::max(newest, ack.revision);
    auto it = by_revision.find(ack.revision);
    if (it == by_revision.end()) {
      if (++missing_events <= 5) {
        ADD_FAILURE() << "acknowledged " << v1::EventType_Name(ack.type)
                      << " of " << name << " at revision " << ack.revision
                      << " is not in claims/- (log has " << events.size()
                      << " events)";
      }
      continue;
    }
    const v1::ClaimEvent& event = *it->second;
    if (event.type() != ack.type || event.claim().name() != name ||
        event.claim().status() != ack.status) {
      if (++wrong_events <= 5) {
        ADD_FAILURE() << "revision " << ack.revision << " was acknowledged as "
                      << v1::EventType_Name(ack.type) << " of " << name
                      << " to " << v1::VerificationStatus_Name(ack.status)
                      << ", but the log has " << event.ShortDebugString();
      }
    }
  }
  EXPECT_EQ(missing_events, 0) << "acknowledged writes missing from the log";
  EXPECT_EQ(wrong_events, 0)
      << "acknowledged writes recorded differently in the log";

  int missing_claims = 0;
  for (const auto& [name, revision] : newest_ack) {
    auto it = claims.find(name);
    if (it == claims.end()) {
      if (++missing_claims <= 5)
        ADD_FAILURE() << "acknowledged claim " << name << " is gone";
      continue;
    }
    EXPECT_GE(it->second.revision(), revision)
        << name << " went back in time: revision " << it->second.revision()
        << " after revision " << revision << " was acknowledged";
  }
  EXPECT_EQ(missing_claims, 0);
}

TEST(ClaimdCrash, KillNineUnderWritesLosesNoAcknowledgedWrite) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_OK(claimd.Start());
  const int port = claimd.port();

  AckLog acks;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    const int64_t acks_before = acks.size();
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    writers.reserve(kWriters);
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back(WriteUntilStopped, w, cycle, claimd.NewChannel(),
                           std::cref(stop), std::ref(acks));
    }
    const absl::Time until = absl::Now() + kWriteTime;
    while (absl::Now() < until && acks.size() - acks_before < kAcksPerCycle) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    // The writers are mid-call: SIGKILL lands on writes in flight.
    ExitStatus killed = claimd.KillNow();
    stop.store(true);
    for (std::thread& writer : writers)
      writer.join();  // each call has a 5 s deadline
    EXPECT_FALSE(killed.exited) << killed.ToString();
    const int64_t acked_this_cycle = acks.size() - acks_before;
    EXPECT_GT(acked_this_cycle, 0)
        << "no write was acknowledged in " << kWriteTime;
    std::cerr << "cycle " << cycle << ": " << acked_this_cycle
              << " acknowledged writes before SIGKILL\n";

    ASSERT_OK(claimd.Start(port));
    auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
    VerifyAcknowledgedWrites(*stub, acks.writes(), cycle);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace claimd::e2e
