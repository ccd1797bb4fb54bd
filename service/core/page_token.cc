#include "service/core/page_token.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace claimd::core {
namespace {

constexpr absl::string_view kVersion = "p1";

std::string ScopeDigest(absl::string_view scope) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a: stable across restarts
  for (char c : scope) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  return absl::StrCat(absl::Hex(hash));
}

}  // namespace

std::string EncodePageToken(absl::string_view scope,
                            absl::string_view position) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, "\n", ScopeDigest(scope), "\n", position));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view scope) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return absl::InvalidArgumentError(
        "page_token: is not a token this server issued");
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(raw, absl::MaxSplits('\n', 2));
  if (parts.size() != 3 || parts[0] != kVersion) {
    return absl::InvalidArgumentError(
        "page_token: is not a token this server issued");
  }
  if (parts[1] != ScopeDigest(scope)) {
    return absl::InvalidArgumentError(
        "page_token: was issued for a different filter or parent; send the "
        "same filter and "
        "parent as the request that returned it, or start again without a "
        "token");
  }
  return std::string(parts[2]);
}

}  // namespace claimd::core
