#include "service/api/store_identity.h"

#include "absl/strings/str_cat.h"

namespace claimd::api {

absl::Status CheckSameStore(absl::string_view current, absl::string_view given,
                            absl::string_view remedy) {
  if (given.empty() || given == current) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "store_id ", given, " is not this store's (", current,
      "): the revisions you saw belong to another store history (this store "
      "was restored from a backup, or it is a different store); ",
      remedy));
}

}  // namespace claimd::api
