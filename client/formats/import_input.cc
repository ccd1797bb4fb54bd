#include "client/formats/import_input.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/formats/claim_review.h"

namespace claimd::client {

absl::StatusOr<std::vector<ImportEntry>> SplitImportInput(
    absl::string_view text, bool claim_review) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // UTF-8 BOM
  std::vector<ImportEntry> entries;
  if (claim_review &&
      absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "[")) {
    absl::StatusOr<std::vector<std::string>> elements =
        SplitClaimReviewArray(text);
    if (!elements.ok()) return elements.status();
    int64_t number = 0;
    for (std::string& element : *elements) {
      entries.push_back({++number, "entry", std::move(element)});
    }
    return entries;
  }
  int64_t number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    absl::ConsumeSuffix(&line, "\r");
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    entries.push_back({number, "line", std::string(line)});
  }
  return entries;
}

}  // namespace claimd::client
