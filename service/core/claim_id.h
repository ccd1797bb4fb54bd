// Claim ids: the grammar callers must follow and the ids the server makes up.
//
// An id is [a-z0-9][a-z0-9-]{0,62}, so "claims/{id}" is a valid, URL-safe
// resource name. Thread-safety: pure functions; GenerateClaimId uses the
// generator it is given.
#ifndef CLAIMD_SERVICE_CORE_CLAIM_ID_H_
#define CLAIMD_SERVICE_CORE_CLAIM_ID_H_

#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::core {

// Errors: INVALID_ARGUMENT "<field>: ..." saying what is wrong with `id`.
absl::Status ValidateClaimId(absl::string_view id, absl::string_view field);

// "claims/{id}" -> id. Errors: INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> ParseClaimName(absl::string_view name,
                                           absl::string_view field);

// A fresh random id: 16 characters of lower-case base32 (80 bits).
std::string GenerateClaimId(absl::BitGenRef gen);

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_CLAIM_ID_H_
