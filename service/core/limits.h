// Size limits on everything a caller can send. They bound memory and disk per
// request and are part of the API contract (stated again in
// proto/claims/v1/claims.proto).
#ifndef CLAIMD_SERVICE_CORE_LIMITS_H_
#define CLAIMD_SERVICE_CORE_LIMITS_H_

#include <cstddef>

namespace claimd::core {

inline constexpr size_t kMaxStatementBytes = 4096;
inline constexpr size_t kMaxSourceBytes = 256;
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMaxQuoteBytes = 4096;
inline constexpr size_t kMaxNoteBytes = 4096;
inline constexpr size_t kMaxActorBytes = 256;
inline constexpr size_t kMaxEvidencePerClaim = 256;
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelKeyBytes = 63;
inline constexpr size_t kMaxLabelValueBytes = 256;
inline constexpr size_t kMaxRequestIdBytes = 128;
inline constexpr size_t kMaxFilterBytes = 4096;
// Filters nest at most this deep (parentheses and NOT), so parsing cannot
// exhaust the stack.
inline constexpr int kMaxFilterDepth = 32;
inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// The limits above that a server may tighten (claimd's flags); they may never
// exceed the contract's.
struct RequestLimits {
  int default_page_size = kDefaultPageSize;
  int max_page_size = kMaxPageSize;
  size_t max_filter_bytes = kMaxFilterBytes;
  int max_filter_depth = kMaxFilterDepth;
};

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_LIMITS_H_
