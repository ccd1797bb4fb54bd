// UTF-8 validation for caller-supplied text (every string we store must be
// valid UTF-8, as proto3 requires). Thread-safety: pure function.
#ifndef CLAIMD_SERVICE_UTIL_UTF8_H_
#define CLAIMD_SERVICE_UTIL_UTF8_H_

#include "absl/strings/string_view.h"

namespace claimd::util {

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequences.
bool IsValidUtf8(absl::string_view text);

}  // namespace claimd::util

#endif  // CLAIMD_SERVICE_UTIL_UTF8_H_
