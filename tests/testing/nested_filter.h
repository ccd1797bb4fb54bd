// A filter text nested `depth` parentheses deep, for tests of the filter
// language's depth limit (core and api both check it).
#ifndef CLAIMD_TESTS_TESTING_NESTED_FILTER_H_
#define CLAIMD_TESTS_TESTING_NESTED_FILTER_H_

#include <string>

namespace claimd::testing {

// "status = DENIED" inside `depth` pairs of parentheses.
inline std::string NestedFilter(int depth) {
  return std::string(depth, '(') + "status = DENIED" + std::string(depth, ')');
}

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_TESTING_NESTED_FILTER_H_
