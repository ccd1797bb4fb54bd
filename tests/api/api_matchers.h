// Matchers shared by the api integration tests, on top of
// tests/testing/status_matchers.h.
//
//   EXPECT_THAT(CurrentRevision(stub), IsOkAndHolds(3));
//   EXPECT_THAT(got, EqualsProto(created));
#ifndef CLAIMD_TESTS_API_API_MATCHERS_H_
#define CLAIMD_TESTS_API_API_MATCHERS_H_

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {

// A StatusOr that is OK and whose value matches `value_matcher`.
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

// Protocol buffers equal field by field; the listener gets the differences.
MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  std::string diff;
  ::google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  if (differencer.Compare(expected, arg)) return true;
  *result_listener << diff;
  return false;
}

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_API_API_MATCHERS_H_
