#include "client/formats/factcheck_api.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/formats/html.h"
#include "client/formats/verdict.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr absl::string_view kUseClaimReview =
    " (schema.org ClaimReview markup: import it with --format claimreview)";

// schema.org JSON-LD rather than an API resource.
bool LooksLikeJsonLd(const JsonValue& value) {
  for (absl::string_view key :
       {"@context", "@type", "@graph", "claimReviewed"}) {
    if (value.Find(key) != nullptr) return true;
  }
  return false;
}

std::string Text(const JsonValue* value) {
  if (value == nullptr || !value->is_string()) return "";
  return std::string(
      absl::StripAsciiWhitespace(DecodeHtmlEntities(value->text)));
}

// A number's JSON text (a number or a string); nullopt when absent.
std::optional<std::string> NumberText(const JsonValue* value) {
  if (value == nullptr || value->kind == JsonValue::Kind::kNull) {
    return std::nullopt;
  }
  if (value->kind == JsonValue::Kind::kNumber) return value->text;
  return Text(value);
}

// What a claims:search review and a markup page's review both say.
struct ApiReview {
  std::string statement;
  std::string claimant;
  Rating rating;
  std::string source;
  std::string url;
  std::string date;
  absl::string_view date_property;  // for messages: "reviewDate", ...
  std::vector<std::string> note;    // the note, "ClaimReview via ..." first
};

// One review -> the claim, with the claim id shared by every review of the
// same claimant and text. `rating_path` names the rating in messages.
absl::StatusOr<ImportedReview> ToClaim(ApiReview review, absl::string_view path,
                                       absl::string_view rating_path,
                                       const VerdictTable& table) {
  absl::StatusOr<Verdict> verdict =
      DecideVerdict(table, review.rating, rating_path);
  if (!verdict.ok()) return verdict.status();

  ImportedReview out;
  if (!verdict->warning.empty()) out.warnings.push_back(verdict->warning);
  v1::Claim& mapped = out.claim;
  mapped.set_name(absl::StrCat(
      "claims/", DerivedClaimId(absl::StrCat("factcheck-api\n", review.claimant,
                                             "\n", review.statement))));
  mapped.set_statement(review.statement);
  mapped.set_status(verdict->status);
  if (review.source.empty()) return out;  // the verdict, without evidence

  if (!verdict->note.empty()) review.note.push_back(verdict->note);
  v1::Evidence& evidence = *mapped.add_evidence();
  evidence.set_source(review.source);
  evidence.set_url(review.url);
  evidence.set_quote(review.rating.wording);
  evidence.set_status(verdict->status);
  if (!review.date.empty()) {
    if (std::optional<absl::Time> time = ParseReviewDate(review.date)) {
      const int64_t seconds = absl::ToUnixSeconds(*time);
      evidence.mutable_time()->set_seconds(seconds);
    } else {
      review.note.push_back(absl::StrCat(review.date_property, ": ",
                                         review.date, " (not a date)"));
      out.warnings.push_back(
          absl::StrCat(path, ".", review.date_property, ": \"", review.date,
                       "\" is not a date; kept in the evidence note"));
    }
  }
  evidence.set_note(absl::StrJoin(review.note, "; "));
  return out;
}

absl::StatusOr<ImportedReview> MapReview(const JsonValue& claim,
                                         const JsonValue& review,
                                         absl::string_view path,
                                         const VerdictTable& table) {
  if (!review.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected a ClaimReview object"));
  }
  ApiReview mapped;
  mapped.statement = Text(claim.Find("text"));
  if (mapped.statement.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": the claim has no text; expected \"text\": the "
                     "statement that was checked"));
  }
  mapped.rating.wording = Text(review.Find("textualRating"));
  if (mapped.rating.wording.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ".textualRating: is required; expected the publisher's rating "
        "(e.g. \"False\")"));
  }
  mapped.claimant = Text(claim.Find("claimant"));
  const JsonValue* publisher = review.Find("publisher");
  const std::string name =
      publisher != nullptr ? Text(publisher->Find("name")) : "";
  const std::string site =
      publisher != nullptr ? Text(publisher->Find("site")) : "";
  mapped.url = Text(review.Find("url"));
  mapped.source = !name.empty()   ? name
                  : !site.empty() ? site
                                  : UrlHost(mapped.url);
  mapped.date = Text(review.Find("reviewDate"));
  mapped.date_property = "reviewDate";

  std::vector<std::string>& note = mapped.note;
  note.push_back(absl::StrCat(kClaimReviewNote, " via Fact Check Tools API"));
  if (std::string title = Text(review.Find("title")); !title.empty()) {
    note.push_back(absl::StrCat("title: ", title));
  }
  if (std::string language = Text(review.Find("languageCode"));
      !language.empty()) {
    note.push_back(absl::StrCat("language: ", language));
  }
  if (!site.empty() && site != mapped.source) {
    note.push_back(absl::StrCat("publisher site: ", site));
  }
  if (!mapped.claimant.empty()) {
    note.push_back(absl::StrCat("claimant: ", mapped.claimant));
  }
  if (std::string date = Text(claim.Find("claimDate")); !date.empty()) {
    note.push_back(absl::StrCat("claimDate: ", date));
  }
  return ToClaim(std::move(mapped), path, "", table);
}

// One ClaimReviewMarkup of a markup page (the pages resource: what a
// fact-checker entered in the Fact Check Markup Tool); the page gives the
// author, and the url and date unless the markup has its own.
absl::StatusOr<ImportedReview> MapMarkup(const JsonValue& page,
                                         const JsonValue& markup,
                                         absl::string_view path,
                                         const VerdictTable& table) {
  if (!markup.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected a ClaimReviewMarkup object"));
  }
  ApiReview mapped;
  mapped.statement = Text(markup.Find("claimReviewed"));
  if (mapped.statement.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ".claimReviewed: is required; expected the statement that was "
        "checked"));
  }
  const JsonValue* rating = markup.Find("rating");
  if (rating != nullptr && rating->is_object()) {
    mapped.rating.wording = Text(rating->Find("textualRating"));
    mapped.rating.value = NumberText(rating->Find("ratingValue"));
    mapped.rating.best = NumberText(rating->Find("bestRating"));
    mapped.rating.worst = NumberText(rating->Find("worstRating"));
  }
  if (mapped.rating.wording.empty() && !mapped.rating.value.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ".rating.textualRating: is required; expected the publisher's "
        "rating (e.g. \"False\"), or ratingValue with bestRating and "
        "worstRating"));
  }
  const JsonValue* claim_author = markup.Find("claimAuthor");
  mapped.claimant =
      claim_author != nullptr ? Text(claim_author->Find("name")) : "";
  mapped.url = Text(markup.Find("url"));
  if (mapped.url.empty()) mapped.url = Text(page.Find("pageUrl"));
  const JsonValue* author = page.Find("claimReviewAuthor");
  mapped.source = author != nullptr ? Text(author->Find("name")) : "";
  if (mapped.source.empty()) mapped.source = UrlHost(mapped.url);
  mapped.date = Text(page.Find("publishDate"));
  mapped.date_property = "publishDate";

  std::vector<std::string>& note = mapped.note;
  note.push_back(
      absl::StrCat(kClaimReviewNote, " via Fact Check Tools markup page"));
  if (!mapped.claimant.empty()) {
    note.push_back(absl::StrCat("claimant: ", mapped.claimant));
  }
  if (std::string date = Text(markup.Find("claimDate")); !date.empty()) {
    note.push_back(absl::StrCat("claimDate: ", date));
  }
  std::vector<std::string> appearances;
  if (const JsonValue* list = markup.Find("claimAppearances");
      list != nullptr && list->is_array()) {
    for (const JsonValue& item : list->items) {
      if (std::string url = Text(&item); !url.empty()) {
        appearances.push_back(std::move(url));
      }
    }
  }
  if (!appearances.empty()) {
    note.push_back(
        absl::StrCat("appearance: ", absl::StrJoin(appearances, ", ")));
  }
  if (std::string first = Text(markup.Find("claimFirstAppearance"));
      !first.empty()) {
    note.push_back(absl::StrCat("firstAppearance: ", first));
  }
  return ToClaim(std::move(mapped), path, absl::StrCat(path, ".rating."),
                 table);
}

using MapFn = absl::StatusOr<ImportedReview> (*)(const JsonValue& parent,
                                                 const JsonValue& item,
                                                 absl::string_view path,
                                                 const VerdictTable& table);

// Every item of `parent`'s array `key` (a claim's claimReview, a page's
// claimReviewMarkups), mapped by `map` and named "PATH.KEY[i]"; one failed
// entry when there is none. `owner` names `parent` in that message.
void AddEach(const JsonValue& parent, absl::string_view path,
             absl::string_view key, absl::string_view owner, MapFn map,
             const VerdictTable& table, std::vector<FactCheckReview>* out) {
  const std::string list =
      path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  const JsonValue* items = parent.Find(key);
  if (items == nullptr || !items->is_array() || items->items.empty()) {
    out->push_back({parent.line, std::string(path),
                    absl::InvalidArgumentError(absl::StrCat(
                        list, ": expected an array of reviews; the ", owner,
                        " has none"))});
    return;
  }
  for (size_t i = 0; i < items->items.size(); ++i) {
    const JsonValue& item = items->items[i];
    std::string item_path = absl::StrCat(list, "[", i, "]");
    absl::StatusOr<ImportedReview> mapped = map(parent, item, item_path, table);
    out->push_back({item.line, std::move(item_path), std::move(mapped)});
  }
}

// Google's error body ({"error": {"code": 429, "message": ..., "status":
// "RESOURCE_EXHAUSTED"}}), saved in place of a page of results; null for
// anything else.
const JsonValue* ApiError(const JsonValue& value) {
  if (!value.is_object()) return nullptr;
  const JsonValue* error = value.Find("error");
  return error != nullptr && error->is_object() ? error : nullptr;
}

// The error response (whose "error" member is `error`) as one failed review:
// the page it stands for was never fetched, so nothing of it can be imported.
FactCheckReview ErrorResponse(const JsonValue& response, const JsonValue& error,
                              absl::string_view prefix) {
  const JsonValue* code = error.Find("code");
  std::vector<std::string> parts;
  if (code != nullptr && code->kind == JsonValue::Kind::kNumber) {
    parts.push_back(code->text);
  }
  if (std::string status = Text(error.Find("status")); !status.empty()) {
    parts.push_back(std::move(status));
  }
  std::string message = Text(error.Find("message"));
  std::string path(absl::StripSuffix(prefix, "."));
  return {response.line, path,
          absl::InvalidArgumentError(absl::StrCat(
              path.empty() ? "" : absl::StrCat(path, ": "),
              "an API error response (", absl::StrJoin(parts, " "),
              message.empty() ? "" : absl::StrCat(": ", message),
              ") instead of claims:search results; fetch that page again"))};
}

absl::Status AddResponse(const JsonValue& value, absl::string_view prefix,
                         const VerdictTable& table,
                         std::vector<FactCheckReview>* out) {
  if (const JsonValue* error = ApiError(value)) {
    out->push_back(ErrorResponse(value, *error, prefix));
    return absl::OkStatus();
  }
  if (value.is_object() && value.Find("claimReviewMarkups") != nullptr) {
    AddEach(value, absl::StripSuffix(prefix, "."), "claimReviewMarkups", "page",
            MapMarkup, table, out);
    return absl::OkStatus();
  }
  if (const JsonValue* pages = value.Find("claimReviewMarkupPages");
      pages != nullptr && pages->is_array()) {
    for (size_t i = 0; i < pages->items.size(); ++i) {
      const JsonValue& page = pages->items[i];
      if (page.is_object() && page.Find("claimReviewMarkups") != nullptr) {
        AddEach(page, absl::StrCat(prefix, "claimReviewMarkupPages[", i, "]"),
                "claimReviewMarkups", "page", MapMarkup, table, out);
      }
    }
    return absl::OkStatus();
  }
  if (value.is_object() && value.Find("claimReview") != nullptr) {
    AddEach(value,
            prefix.empty() ? absl::string_view("claim")
                           : absl::StripSuffix(prefix, "."),
            "claimReview", "claim", MapReview, table, out);
    return absl::OkStatus();
  }
  const JsonValue* claims = value.Find("claims");
  if (value.is_object() && claims == nullptr) {
    // An empty search result is {} (or only a page token).
    for (const auto& [name, member] : value.members) {
      if (name != "nextPageToken") {
        return absl::InvalidArgumentError(absl::StrCat(
            "expected a claims:search response ({\"claims\": [...]}) or a "
            "markup page ({\"claimReviewMarkups\": [...]}); found an object "
            "with \"",
            name, "\"", LooksLikeJsonLd(value) ? kUseClaimReview : ""));
      }
    }
    return absl::OkStatus();
  }
  if (claims == nullptr || !claims->is_array()) {
    return absl::InvalidArgumentError(
        "expected a claims:search response ({\"claims\": [...]}), an array "
        "of them, or claim objects with \"claimReview\"");
  }
  for (size_t i = 0; i < claims->items.size(); ++i) {
    const std::string path = absl::StrCat(prefix, "claims[", i, "]");
    const JsonValue& claim = claims->items[i];
    if (!claim.is_object()) {
      out->push_back({claim.line, path,
                      absl::InvalidArgumentError(
                          absl::StrCat(path, ": expected a claim object"))});
      continue;
    }
    AddEach(claim, path, "claimReview", "claim", MapReview, table, out);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<FactCheckReview>> FactCheckApiReviews(
    const JsonValue& document, const VerdictTable& table) {
  std::vector<FactCheckReview> reviews;
  if (document.is_array()) {
    // Saved pages of results: each is imported, or fails, on its own.
    for (size_t i = 0; i < document.items.size(); ++i) {
      const JsonValue& item = document.items[i];
      absl::Status status =
          AddResponse(item, absl::StrCat("[", i, "]."), table, &reviews);
      if (!status.ok()) {
        reviews.push_back({item.line, absl::StrCat("[", i, "]"),
                           absl::InvalidArgumentError(
                               absl::StrCat("[", i, "]: ", status.message()))});
      }
    }
    return reviews;
  }
  absl::Status status = AddResponse(document, "", table, &reviews);
  if (!status.ok()) return status;
  return reviews;
}

}  // namespace claimd::client
