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

  constexpr int kMaxResets = 3000;
  const absl::Time attack_deadline = absl::Now() + absl::Seconds(20);
  std::atomic<bool> stop{false};
  std::atomic<int> resets{0};
  std::thread attacker([&] {
    auto stub = server->NewStub();  // one connection of its own
    v1::WatchClaimsRequest watch;
    for (int i = 0;
         i < kMaxResets && !stop.load() && absl::Now() < attack_deadline; ++i) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
      auto reader = stub->WatchClaims(&context, watch);
      context.TryCancel();  // RST_STREAM right after HEADERS
      reader->Finish().ok();
      resets.fetch_add(1);
    }
  });

  // Meanwhile, another client on its own connection.
  auto victim = server->NewStub();
  int completed = 0;
  while (resets.load() < 200 && absl::Now() < attack_deadline) {
    absl::SleepFor(absl::Milliseconds(5));  // let the flood get going
  }
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<v1::Claim> claim = GetClaim(*victim, "claims/kept");
    ASSERT_OK(claim.status())
        << "call " << i << " after " << resets.load() << " resets";
    EXPECT_EQ(claim->statement(), "A claim written before");
    ++completed;
  }
  stop.store(true);
  attacker.join();
  EXPECT_EQ(completed, 50);
  EXPECT_GT(resets.load(), 0);
  // The server still serves new connections afterwards.
  auto after = server->NewStub();
  EXPECT_OK(GetClaim(*after, "claims/kept").status());
}

}  // namespace
}  // namespace claimd::testing
