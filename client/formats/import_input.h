// Splitting an import's input into the entries imported one by one, each with
// the line (and block or review within it) that errors name:
//   jsonl:          the non-blank lines (numbered from 1; a UTF-8 BOM and
//                   "\r\n" line ends accepted), parsed later by
//                   ParseImportLine;
//   claimreview:    every ClaimReview of the input (jsonld.h), mapped by
//                   ClaimReviewToClaim: JSON documents one per line, one or
//                   more pretty-printed documents, or an HTML page (its
//                   ld+json blocks, html.h; blocks without a ClaimReview and
//                   markup commented out are ignored, a block cut off without
//                   </script> is one failed entry, a page whose reviews are
//                   microdata is told so);
//   factcheck-api:  every claimReview of Fact Check Tools API responses, and
//                   every markup of markup pages (factcheck_api.h),
//                   documents as for claimreview.
// An HTML page given to jsonl or factcheck-api is one failed entry naming
// --format claimreview.
// Text that is not JSON becomes one failed entry per broken document (one per
// broken line of a JSON Lines file, one per broken pretty-printed document),
// naming the line and column and what was expected; reading goes on with the
// next line that starts with '{' or '['.
//
//   std::vector<ImportEntry> entries =
//       SplitImportInput(text, ImportFormat::kClaimReview, table);
//   // entries[0]: {.line = 12, .detail = "block 2", .review = ...}
//
// Thread-safety: pure function.
#ifndef CLAIMD_CLIENT_FORMATS_IMPORT_INPUT_H_
#define CLAIMD_CLIENT_FORMATS_IMPORT_INPUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/formats/claim_review.h"
#include "client/formats/verdict_table.h"

namespace claimd::client {

enum class ImportFormat { kJsonLines, kClaimReview, kFactCheckApi };

// "jsonl", "claimreview", "factcheck-api"; INVALID_ARGUMENT otherwise.
absl::StatusOr<ImportFormat> ParseImportFormat(absl::string_view name);

struct ImportEntry {
  int64_t line = 0;
  // Where within the line or page: "block 2", "review 3", "block 1, review
  // 2", "claims[0].claimReview[1]"; "" when the line says it all.
  std::string detail;
  // jsonl: the line's text.
  std::string text;
  // claimreview, factcheck-api: the mapped review, or why the entry fails.
  std::optional<absl::StatusOr<ImportedReview>> review;
};

// `table` is used for claimreview and factcheck-api only.
std::vector<ImportEntry> SplitImportInput(absl::string_view text,
                                          ImportFormat format,
                                          const VerdictTable& table);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_IMPORT_INPUT_H_
