// Splitting an import's input into the entries imported one by one: the
// non-blank lines of a JSON Lines file (numbered from 1, a UTF-8 BOM and
// "\r\n" line ends accepted), or, for ClaimReview input that starts with "[",
// the elements of one JSON array (numbered from 1).
//
//   absl::StatusOr<std::vector<ImportEntry>> entries =
//       SplitImportInput(text, /*claim_review=*/false);
//   // entries->at(0): {.number = 1, .unit = "line", .text = "{...}"}
//
// Thread-safety: pure function.
#ifndef CLAIMD_CLIENT_FORMATS_IMPORT_INPUT_H_
#define CLAIMD_CLIENT_FORMATS_IMPORT_INPUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::client {

struct ImportEntry {
  int64_t number = 0;
  const char* unit = "line";  // or "entry" (array element)
  std::string text;
};

// INVALID_ARGUMENT only when ClaimReview input starts with "[" and is not a
// JSON array.
absl::StatusOr<std::vector<ImportEntry>> SplitImportInput(
    absl::string_view text, bool claim_review);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_IMPORT_INPUT_H_
