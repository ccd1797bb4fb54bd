// Encodes core::Claim and core::ClaimEvent into the store's private record
// format (record.proto) and back. The SQLite store keeps these bytes in its
// `record` columns.
//
// Times round-trip exactly (seconds + nanoseconds), including
// absl::InfinitePast() for evidence whose time was not given; a decoded value
// compares equal to the encoded one. Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_STORE_RECORD_CODEC_H_
#define CLAIMD_SERVICE_STORE_RECORD_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/claim.h"

namespace claimd::store {

std::string EncodeClaim(const core::Claim& claim);
// Errors: INTERNAL ("database file is corrupt: ...") when `bytes` is not a
// claim record.
absl::StatusOr<core::Claim> DecodeClaim(absl::string_view bytes);

std::string EncodeEvent(const core::ClaimEvent& event);
// The same record, reusing `encoded_claim` (which must be
// EncodeClaim(event.claim)) instead of encoding the claim a second time: the
// writer stores both the claim row and the event row of every mutation.
std::string EncodeEvent(const core::ClaimEvent& event,
                        absl::string_view encoded_claim);
// Errors: INTERNAL ("database file is corrupt: ...") when `bytes` is not an
// event record.
absl::StatusOr<core::ClaimEvent> DecodeEvent(absl::string_view bytes);

}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_RECORD_CODEC_H_
