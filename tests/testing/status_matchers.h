// GoogleTest matchers for absl::Status and absl::StatusOr, which Abseil
// 20220623 lacks.
//
//   EXPECT_THAT(store.Get("x"), StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(result, IsOk());
//   ASSERT_OK_AND_ASSIGN(Claim claim, store.Get("x"));
#ifndef CLAIMD_TESTS_TESTING_STATUS_MATCHERS_H_
#define CLAIMD_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace claimd::testing {

// By value (a reference count): a reference to the argument would dangle
// when it is a temporary.
inline absl::Status GetStatus(const absl::Status& status) { return status; }
template <typename T>
absl::Status GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status status = ::claimd::testing::GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code,
          std::string("has status code ") + absl::StatusCodeToString(code)) {
  const absl::Status status = ::claimd::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string("has status code ") + absl::StatusCodeToString(code)) {
  const absl::Status status = ::claimd::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

}  // namespace claimd::testing

#define CLAIMD_TEST_CONCAT_INNER_(a, b) a##b
#define CLAIMD_TEST_CONCAT_(a, b) CLAIMD_TEST_CONCAT_INNER_(a, b)

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::claimd::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::claimd::testing::IsOk())

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                      \
  ASSERT_OK_AND_ASSIGN_IMPL_(CLAIMD_TEST_CONCAT_(_statusor_, __LINE__), lhs, \
                             expr)
// `statusor` is a generated name and `lhs` may be a declaration ("Claim c"):
// neither can be parenthesised, so bugprone-macro-parentheses is off here.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  ASSERT_TRUE(statusor.ok()) << statusor.status();      \
  lhs = std::move(statusor).value()
// NOLINTEND(bugprone-macro-parentheses)

#endif  // CLAIMD_TESTS_TESTING_STATUS_MATCHERS_H_
