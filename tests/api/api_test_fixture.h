// ApiTest: a fresh TestServer for every test, with the helpers most api tests
// need.
//
//   class ListApiTest : public ApiTest {};
//   TEST_F(ListApiTest, X) { CreateAll({"a", "b"}); ... stub() ... }
#ifndef CLAIMD_TESTS_API_API_TEST_FIXTURE_H_
#define CLAIMD_TESTS_API_API_TEST_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/api/test_server.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {

inline constexpr auto kReported = claims::v1::VERIFICATION_STATUS_REPORTED;
inline constexpr auto kConfirmed = claims::v1::VERIFICATION_STATUS_CONFIRMED;
inline constexpr auto kDenied = claims::v1::VERIFICATION_STATUS_DENIED;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(server_, TestServer::Start()); }

  ClaimStub& stub() { return server_->stub(); }

  // Creates claims with these ids (and statement "statement of ID").
  void CreateAll(const std::vector<std::string>& ids) {
    for (const std::string& id : ids) {
      ASSERT_OK(CreateClaim(stub(), id, "statement of " + id).status());
    }
  }

  std::unique_ptr<TestServer> server_;
};

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_API_API_TEST_FIXTURE_H_
