// HTTP/2 rapid reset (CVE-2023-44487; gRPC 1.51 has no fix of its own): one
// client opens streams and cancels them at once, in a tight but bounded loop on
// one connection, while another client's calls must still complete. The
// server is configured with the limits claimd applies by default
// (api::TransportLimits), which are what bounds the attack here.
#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/api/api_test_fixture.h"

namespace claimd::testing {
namespace {

namespace v1 = ::claims::v1;

TEST(RapidReset, StreamsCancelledInATightLoopDoNotStarveOtherClients) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ASSERT_OK(
      CreateClaim(server->stub(), "kept", "A claim written before").status());

  // The attacker resets streams until the victim is done (bounded in count
  // and time), so the flood covers every one of the victim's calls.
  constexpr int kMaxResets = 200000;
  const absl::Time attack_deadline = absl::Now() + absl::Seconds(60);
  std::atomic<bool> stop{false};
  std::atomic<bool> attack_ended_early{false};
  std::atomic<int> resets{0};
  std::thread attacker([&] {
    auto stub = server->NewStub();  // one connection of its own
    v1::WatchClaimsRequest watch;
    for (int i = 0; !stop.load(); ++i) {
      if (i >= kMaxResets || absl::Now() >= attack_deadline) {
        attack_ended_early.store(true);
        return;
      }
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
      auto reader = stub->WatchClaims(&context, watch);
      context.TryCancel();  // RST_STREAM right after HEADERS
      reader->Finish().ok();
      resets.fetch_add(1);
    }
  });

  // Meanwhile, another client on its own connection. Every call carries a
  // deadline (claims_client.h: 5 s), so a starved victim fails with
  // DEADLINE_EXCEEDED rather than passing slowly.
  auto victim = server->NewStub();
  while (resets.load() < 200 && !attack_ended_early.load()) {
    absl::SleepFor(absl::Milliseconds(5));  // let the flood get going
  }
  const int resets_before = resets.load();
  constexpr int kCalls = 50;
  for (int i = 0; i < kCalls; ++i) {
    absl::StatusOr<v1::Claim> claim = GetClaim(*victim, "claims/kept");
    ASSERT_OK(claim.status())
        << "call " << i << " after " << resets.load() << " resets";
    EXPECT_EQ(claim->statement(), "A claim written before");
  }
  const int resets_after = resets.load();
  const bool overlapped = !attack_ended_early.load();
  stop.store(true);
  attacker.join();

  // The flood was running from before the first call to after the last.
  EXPECT_GE(resets_before, 200);
  EXPECT_TRUE(overlapped)
      << "the attacker stopped before the victim's calls were done";
  EXPECT_GT(resets_after, resets_before)
      << "no stream was reset while the victim's calls ran";
  // The server still serves new connections afterwards.
  auto after = server->NewStub();
  EXPECT_OK(GetClaim(*after, "claims/kept").status());
}

}  // namespace
}  // namespace claimd::testing
