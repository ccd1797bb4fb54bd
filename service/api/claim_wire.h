// ClaimWire: claims.v1 wire bytes written straight from core types.
//
// A reply or a watch event carries a whole claim, with up to 256 evidence
// items. Building a protobuf message only to serialise it costs a string
// allocation per field of every item, which profiles of 200-item updates showed
// as claimd's largest cost. These encoders size the message first and then
// write it into one buffer, with no message in between.
//
//   std::string bytes(ClaimWireSize(claim), '\0');
//   WriteClaim(claim, bytes.data());  // bytes == a serialised claims.v1.Claim
//
// The bytes are exactly what protobuf's deterministic serialisation of the
// message api::ToProto builds would be: fields in number order, proto3 defaults
// left out, every timestamp api::ToProto sets present (even at zero), map
// entries in key order with both key and value written
// (tests/api/claim_wire_test checks this on random claims). So clients, and the
// tests that compare responses byte for byte, cannot tell the difference.
//
// Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_API_CLAIM_WIRE_H_
#define CLAIMD_SERVICE_API_CLAIM_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "service/core/claim.h"

namespace claimd::api {

// A google.protobuf.Timestamp's two fields for `time`, kept apart because Unix
// nanoseconds saturate after the year 2262. api::ToProto uses the same split.
struct WireTime {
  int64_t seconds = 0;
  int32_t nanos = 0;
};
WireTime SplitTime(absl::Time time);

// The protobuf varint of `value` at `out` (at most 10 bytes); returns the end.
// Every hand-written claims.v1 message (here and in event_bytes.h) uses it.
char* PutVarint(uint64_t value, char* out);

// A serialised claims.v1.Claim, in two steps so that the caller owns the
// buffer (a gRPC slice): WriteClaim writes exactly ClaimWireSize(claim) bytes
// at `out`.
size_t ClaimWireSize(const core::Claim& claim);
void WriteClaim(const core::Claim& claim, char* out);
// A serialised claims.v1.ClaimEvent.
std::string EncodeClaimEvent(const core::ClaimEvent& event);
// A serialised claims.v1.ListClaimsResponse: `claims` in order, then the
// page's token (empty: the last page), revision and store id. The caller has
// sized the claims to fit the page: claim_sizes[i] == ClaimWireSize(claims[i]).
std::string EncodeClaimsPage(absl::Span<const core::Claim> claims,
                             absl::Span<const size_t> claim_sizes,
                             absl::string_view next_page_token,
                             int64_t revision, absl::string_view store_id);

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_CLAIM_WIRE_H_
