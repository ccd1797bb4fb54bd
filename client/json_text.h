// Writing JSON text by hand, for output whose key order is part of its
// readability (import outcomes, schema.org ClaimReview): protobuf's printer
// orders Struct keys as it likes.
//
//   std::string json = "{\"name\":";
//   AppendJsonString("claims/x", &json);
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_JSON_TEXT_H_
#define CLAIMD_CLIENT_JSON_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace claimd::client {

// Appends `text` as a JSON string (quotes included), escaped per RFC 8259;
// invalid UTF-8 becomes U+FFFD.
void AppendJsonString(absl::string_view text, std::string* out);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_JSON_TEXT_H_
