#include "service/core/claim_id.h"

#include "absl/random/distributions.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "service/core/claim.h"

namespace claimd::core {
namespace {

constexpr size_t kMaxIdBytes = 63;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

absl::Status ValidateClaimId(absl::string_view id, absl::string_view field) {
  if (id.empty())
    return absl::InvalidArgumentError(absl::StrCat(field, ": is empty"));
  if (id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": is ", id.size(), " bytes long; the limit is ", kMaxIdBytes));
  }
  if (id.front() == '-') {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must start with a lower-case letter or a digit"));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsIdChar(id[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": character ", i + 1,
          " is not allowed; use lower-case letters, digits and '-' "
          "([a-z0-9][a-z0-9-]{0,62})"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseClaimName(absl::string_view name,
                                           absl::string_view field) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, kClaimNamePrefix)) {
    if (name.empty())
      return absl::InvalidArgumentError(absl::StrCat(field, ": is empty"));
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must look like \"claims/{claim_id}\""));
  }
  absl::Status valid = ValidateClaimId(id, field);
  if (!valid.ok()) return valid;
  return std::string(id);
}

std::string GenerateClaimId(absl::BitGenRef gen) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string id(16, 'a');
  for (char& c : id) c = kAlphabet[absl::Uniform<int>(gen, 0, 32)];
  return id;
}

}  // namespace claimd::core
