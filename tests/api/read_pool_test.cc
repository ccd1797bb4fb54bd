// Unary reads on the server's read pool (ServerOptions::read_threads, what
// claimd uses over etcd): the same answers and errors as reads on gRPC's
// callback thread, and many concurrent reads all answered.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/api/test_server.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

class ReadPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestServerOptions options;
    options.server.read_threads = 2;
    ASSERT_OK_AND_ASSIGN(server_, TestServer::Start(std::move(options)));
  }
  ClaimStub& stub() { return server_->stub(); }
  std::unique_ptr<TestServer> server_;
};

TEST_F(ReadPoolTest, GetListAndHistoryAnswerAsInline) {
  ASSERT_OK(CreateClaim(stub(), "a", "statement a").status());
  ASSERT_OK(CreateClaim(stub(), "b", "statement b").status());
  ASSERT_OK_AND_ASSIGN(claims::v1::Claim a, GetClaim(stub(), "claims/a"));
  EXPECT_EQ(a.statement(), "statement a");
  ASSERT_OK_AND_ASSIGN(std::vector<claims::v1::Claim> all,
                       ListAllClaims(stub(), "", 1));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].name(), "claims/b");
  ASSERT_OK_AND_ASSIGN(std::vector<claims::v1::ClaimEvent> events,
                       ListAllEvents(stub()));
  EXPECT_EQ(events.size(), 2u);
}

TEST_F(ReadPoolTest, ErrorsKeepTheirCodesAndCarryNoPartialPage) {
  EXPECT_EQ(GetClaim(stub(), "claims/missing").status().code(),
            absl::StatusCode::kNotFound);
  claims::v1::ListClaimsRequest bad;
  bad.set_filter("status = ");
  EXPECT_EQ(ListClaims(stub(), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  claims::v1::ListClaimEventsRequest negative;
  negative.set_parent("claims/-");
  negative.set_page_size(-1);
  EXPECT_EQ(ListClaimEvents(stub(), negative).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// More concurrent reads than pool threads: each is queued and answered.
TEST_F(ReadPoolTest, ManyConcurrentReadsAreAllAnswered) {
  ASSERT_OK(CreateClaim(stub(), "shared", "statement").status());
  constexpr int kThreads = 8;
  constexpr int kReadsEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  readers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < kReadsEach; ++i) {
        if (!GetClaim(stub(), "claims/shared").ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace claimd::testing
