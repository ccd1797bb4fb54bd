// Opaque page tokens (AIP-158) for ListClaims and ListClaimEvents.
//
// A token carries where the next page starts and a digest of the request's
// scope (the filter, or the parent), so a token used with a different filter or
// parent is rejected instead of silently returning the wrong page. Tokens are
// URL-safe base64, not secret. Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_CORE_PAGE_TOKEN_H_
#define CLAIMD_SERVICE_CORE_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::core {

// `scope` identifies the query ("filter text", "parent"); `position` is where
// to resume.
std::string EncodePageToken(absl::string_view scope,
                            absl::string_view position);

// Returns the position. Errors: INVALID_ARGUMENT "page_token: ..." when the
// token is malformed or was made for another scope.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view scope);

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_PAGE_TOKEN_H_
