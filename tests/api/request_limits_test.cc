// Page sizes and filter bounds that an operator tightens with claimd's flags
// (core::RequestLimits): every method of a real server applies them. The
// filter parser's own handling of the limits is tested beside it
// (tests/core/filter_test.cc, FilterLimits).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/limits.h"
#include "tests/api/test_server.h"
#include "tests/api/watch_stream.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/nested_filter.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using ::testing::HasSubstr;

constexpr core::RequestLimits kTight{.default_page_size = 2,
                                     .max_page_size = 3,
                                     .max_filter_bytes = 40,
                                     .max_filter_depth = 2};

class RequestLimitsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestServerOptions options;
    options.server.request_limits = kTight;
    ASSERT_OK_AND_ASSIGN(server_, TestServer::Start(options));
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK(
          CreateClaim(stub(), absl::StrCat("c", i), "a statement").status());
    }
  }
  claims::v1::ClaimService::Stub& stub() { return server_->stub(); }

  std::unique_ptr<TestServer> server_;
};

TEST_F(RequestLimitsApiTest, PagesUseTheServersDefaultAndMaximum) {
  claims::v1::ListClaimsRequest request;
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimsResponse page,
                       ListClaims(stub(), request));
  EXPECT_EQ(page.claims_size(), 2);
  request.set_page_size(1000);
  ASSERT_OK_AND_ASSIGN(page, ListClaims(stub(), request));
  EXPECT_EQ(page.claims_size(), 3);
  EXPECT_FALSE(page.next_page_token().empty());

  claims::v1::ListClaimEventsRequest events;
  events.set_parent("claims/-");
  events.set_page_size(1000);
  ASSERT_OK_AND_ASSIGN(claims::v1::ListClaimEventsResponse history,
                       ListClaimEvents(stub(), events));
  EXPECT_EQ(history.events_size(), 3);
}

TEST_F(RequestLimitsApiTest, ListAndWatchRefuseFiltersBeyondTheBounds) {
  claims::v1::ListClaimsRequest request;
  request.set_filter(NestedFilter(3));
  EXPECT_THAT(
      ListClaims(stub(), request).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deeper than 2")));
  WatchStream watch(stub(), WatchFrom(0, NestedFilter(3)));
  std::optional<grpc::Status> ended = watch.WaitForEnd();
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ended->error_message(), HasSubstr("deeper than 2"));
}

}  // namespace
}  // namespace claimd::testing
