#include "service/api/store_identity.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace claimd::api {
namespace {

// Store ids are 32 hex digits; a client may send anything up to the request
// limit (megabytes), which an error must not echo whole.
constexpr size_t kEchoedBytes = 64;

// `given` as the error quotes it: its first kEchoedBytes bytes, escaped so
// that the text is printable ASCII (a cut through a multi-byte character, or
// control bytes, cannot make the grpc-message invalid UTF-8 or forge a line).
std::string Quoted(absl::string_view given) {
  return absl::StrCat("\"", absl::CHexEscape(given.substr(0, kEchoedBytes)),
                      "\"",
                      given.size() > kEchoedBytes
                          ? absl::StrCat("... (", given.size(), " bytes)")
                          : "");
}

}  // namespace

absl::Status CheckSameStore(absl::string_view current, absl::string_view given,
                            absl::string_view remedy) {
  if (given.empty() || given == current) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "store_id ", Quoted(given), " is not this store's (", current,
      "): the revisions you saw belong to another store history (this store "
      "was restored from a backup, or it is a different store); ",
      remedy));
}

}  // namespace claimd::api
