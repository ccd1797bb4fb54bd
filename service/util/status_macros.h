// Early-return helpers for absl::Status, which Abseil 20220623 does not ship.
#ifndef CLAIMD_SERVICE_UTIL_STATUS_MACROS_H_
#define CLAIMD_SERVICE_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CLAIMD_CONCAT_INNER_(a, b) a##b
#define CLAIMD_CONCAT_(a, b) CLAIMD_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)               \
  do {                                      \
    ::absl::Status _claimd_status = (expr); \
    if (!_claimd_status.ok()) {             \
      return _claimd_status;                \
    }                                       \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, StatusOrExpr());`
// `statusor` names a variable and `lhs` is a declaration (`auto x`), so neither
// can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(CLAIMD_CONCAT_(_claimd_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) {                             \
    return std::move(statusor).status();            \
  }                                                 \
  lhs = *std::move(statusor)
// NOLINTEND(bugprone-macro-parentheses)

#endif  // CLAIMD_SERVICE_UTIL_STATUS_MACROS_H_
