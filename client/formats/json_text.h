// Writing JSON text by hand, for output whose key order is part of its
// readability (import outcomes, schema.org ClaimReview): protobuf's printer
// orders Struct keys as it likes.
//
//   std::string json = "{\"name\":";
//   AppendJsonString("claims/x", &json);
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_FORMATS_JSON_TEXT_H_
#define CLAIMD_CLIENT_FORMATS_JSON_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace claimd::client {

// Appends `text` as a JSON string (quotes included), escaped per RFC 8259;
// invalid UTF-8 becomes U+FFFD.
void AppendJsonString(absl::string_view text, std::string* out);

// What protobuf's JSON parser says is wrong: the first line of its error
// message (the rest quotes the input), without the leading ": ".
std::string JsonParseErrorText(absl::string_view message);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_JSON_TEXT_H_
