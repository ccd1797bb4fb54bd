// The one check that a revision a client names belongs to this store's
// history: a store restored from a backup reuses revision numbers for other
// events, and says so with a new store id (claims.proto, store_id).
//
// Thread-safety: a pure function.
#ifndef CLAIMD_SERVICE_API_STORE_IDENTITY_H_
#define CLAIMD_SERVICE_API_STORE_IDENTITY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace claimd::api {

// OK when `given` is empty (the client names no store) or is `current`;
// otherwise FAILED_PRECONDITION saying why and ending with `remedy` (what the
// client does next). The message quotes at most the first 64 bytes of
// `given`, escaped to printable ASCII, and its length when longer.
absl::Status CheckSameStore(absl::string_view current, absl::string_view given,
                            absl::string_view remedy);

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_STORE_IDENTITY_H_
