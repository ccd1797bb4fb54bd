#include "client/formats/import_input.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/formats/factcheck_api.h"
#include "client/formats/html.h"
#include "client/formats/json_value.h"
#include "client/formats/jsonld.h"

namespace claimd::client {
namespace {

ImportEntry Failed(int64_t line, std::string detail, absl::Status status) {
  ImportEntry entry;
  entry.line = line;
  entry.detail = std::move(detail);
  entry.review = std::move(status);
  return entry;
}

// How a document without a ClaimReview is described.
std::string Found(const JsonValue& document) {
  switch (document.kind) {
    case JsonValue::Kind::kObject: {
      if (document.Find("claims") != nullptr ||
          document.Find("claimReview") != nullptr) {
        return "a Fact Check Tools API claims:search response (import it with "
               "--format factcheck-api)";
      }
      const std::string types = TypeNames(document);
      return types.empty() ? "an object without @type"
                           : absl::StrCat("@type \"", types, "\"");
    }
    case JsonValue::Kind::kArray:
      return "an array without one";
    case JsonValue::Kind::kString:
      return "a string";
    case JsonValue::Kind::kNumber:
      return "a number";
    default:
      return "true, false or null";
  }
}

// The ClaimReviews of one parsed document; `prefix` ("block 2") goes before
// a review's index when two reviews start on one line.
void AddReviews(const JsonValue& document, absl::string_view prefix,
                const VerdictTable& table, std::vector<ImportEntry>* out) {
  const std::vector<const JsonValue*> reviews = FindClaimReviews(document);
  absl::flat_hash_map<int64_t, int> per_line;
  for (const JsonValue* review : reviews) ++per_line[review->line];
  for (size_t i = 0; i < reviews.size(); ++i) {
    ImportEntry entry;
    entry.line = reviews[i]->line;
    std::vector<std::string> detail;
    if (!prefix.empty()) detail.emplace_back(prefix);
    if (per_line[entry.line] > 1)
      detail.push_back(absl::StrCat("review ", i + 1));
    entry.detail = absl::StrJoin(detail, ", ");
    const std::optional<JsonValue> resolved =
        ResolveReferences(*reviews[i], document);
    entry.review = ClaimReviewToClaim(
        resolved.has_value() ? *resolved : *reviews[i], table);
    out->push_back(std::move(entry));
  }
}

constexpr absl::string_view kExpectedReview =
    "expected a ClaimReview ({\"@type\": \"ClaimReview\", ...}, alone or in "
    "an array, @graph or DataFeed)";

// Said of a page whose reviews are microdata: what claimctl reads instead.
constexpr absl::string_view kMicrodata =
    "the page holds its ClaimReview as microdata (itemscope itemtype="
    "\"schema.org/ClaimReview\" attributes), which claimctl does not read; "
    "import those reviews from the Fact Check Tools API instead (a "
    "claims:search response for the site, with --format factcheck-api)";

void SplitHtml(absl::string_view html, const VerdictTable& table,
               std::vector<ImportEntry>* out) {
  const std::vector<LdJsonBlock> blocks = LdJsonBlocks(html);
  if (blocks.empty()) {
    out->push_back(Failed(
        1, "",
        absl::InvalidArgumentError(
            HasClaimReviewMicrodata(html)
                ? absl::StrCat("no <script type=\"application/ld+json\"> "
                               "blocks: ",
                               kMicrodata)
                : "an HTML page without <script "
                  "type=\"application/ld+json\"> blocks; expected "
                  "ClaimReview markup in one")));
    return;
  }
  const size_t before = out->size();
  std::vector<std::string> types;
  for (const LdJsonBlock& block : blocks) {
    const std::string where = absl::StrCat("block ", block.index);
    if (block.unterminated) {
      // Whatever the block held is cut off; the user must know the page is
      // incomplete, even if its other reviews import.
      out->push_back(Failed(
          block.line, where,
          absl::InvalidArgumentError(
              "the ld+json block has no closing </script>: the page may be "
              "truncated (save it again); the block was not imported")));
      continue;
    }
    JsonReader reader(block.text, block.line);
    while (!reader.AtEnd()) {
      absl::StatusOr<JsonValue> document = reader.Next();
      if (!document.ok()) {
        // A broken block matters only when it is the review.
        if (absl::StrContains(block.text, "ClaimReview")) {
          out->push_back(
              Failed(reader.document_line(), where, document.status()));
        }
        break;
      }
      const size_t found = out->size();
      AddReviews(*document, where, table, out);
      if (out->size() == found) {
        if (std::string type = TypeNames(*document); !type.empty()) {
          types.push_back(std::move(type));
        }
      }
    }
  }
  if (out->size() == before) {
    out->push_back(Failed(
        blocks.front().line, "",
        absl::InvalidArgumentError(absl::StrCat(
            "no ClaimReview in the page's ", blocks.size(), " ld+json ",
            blocks.size() == 1 ? "block" : "blocks",
            types.empty()
                ? ""
                : absl::StrCat(" (found ", absl::StrJoin(types, "; "), ")"),
            HasClaimReviewMicrodata(html) ? absl::StrCat("; ", kMicrodata)
                                          : ""))));
  }
}

void SplitJson(absl::string_view text, ImportFormat format,
               const VerdictTable& table, std::vector<ImportEntry>* out) {
  JsonReader reader(text);
  while (!reader.AtEnd()) {
    absl::StatusOr<JsonValue> document = reader.Next();
    const int64_t line = reader.document_line();
    if (!document.ok()) {
      out->push_back(Failed(line, "", document.status()));
      reader.SkipToNextDocument();
      continue;
    }
    if (format == ImportFormat::kFactCheckApi) {
      absl::StatusOr<std::vector<FactCheckReview>> reviews =
          FactCheckApiReviews(*document, table);
      if (!reviews.ok()) {
        out->push_back(Failed(line, "", reviews.status()));
        continue;
      }
      for (FactCheckReview& review : *reviews) {
        ImportEntry entry;
        entry.line = review.line;
        entry.detail = std::move(review.path);
        entry.review = std::move(review.review);
        out->push_back(std::move(entry));
      }
      continue;
    }
    const size_t before = out->size();
    AddReviews(*document, "", table, out);
    if (out->size() == before) {
      out->push_back(
          Failed(line, "",
                 absl::InvalidArgumentError(absl::StrCat(
                     kExpectedReview, "; found ", Found(*document)))));
    }
  }
}

}  // namespace

absl::StatusOr<ImportFormat> ParseImportFormat(absl::string_view name) {
  if (name == "jsonl") return ImportFormat::kJsonLines;
  if (name == "claimreview") return ImportFormat::kClaimReview;
  if (name == "factcheck-api") return ImportFormat::kFactCheckApi;
  return absl::InvalidArgumentError(absl::StrCat(
      "--format: \"", name, "\" is not jsonl, claimreview or factcheck-api"));
}

std::vector<ImportEntry> SplitImportInput(absl::string_view text,
                                          ImportFormat format,
                                          const VerdictTable& table) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // UTF-8 BOM
  std::vector<ImportEntry> entries;
  if (format != ImportFormat::kClaimReview && LooksLikeHtml(text)) {
    // Read as JSON, a page would fail once per line or per segment.
    entries.push_back(Failed(
        1, "",
        absl::InvalidArgumentError(absl::StrCat(
            "an HTML page, which --format ",
            format == ImportFormat::kJsonLines ? "jsonl" : "factcheck-api",
            " does not read; import a saved fact-check page with --format "
            "claimreview"))));
    return entries;
  }
  if (format == ImportFormat::kJsonLines) {
    int64_t number = 0;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      ++number;
      absl::ConsumeSuffix(&line, "\r");
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      ImportEntry entry;
      entry.line = number;
      entry.text = std::string(line);
      entries.push_back(std::move(entry));
    }
    return entries;
  }
  if (format == ImportFormat::kClaimReview && LooksLikeHtml(text)) {
    SplitHtml(text, table, &entries);
  } else {
    SplitJson(text, format, table, &entries);
  }
  return entries;
}

}  // namespace claimd::client
