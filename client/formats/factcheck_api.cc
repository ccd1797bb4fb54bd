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

std::string Text(const JsonValue* value) {
  if (value == nullptr || !value->is_string()) return "";
  return std::string(
      absl::StripAsciiWhitespace(DecodeHtmlEntities(value->text)));
}

absl::StatusOr<ImportedReview> MapReview(const JsonValue& claim,
                                         const JsonValue& review,
                                         absl::string_view path,
                                         const VerdictTable& table) {
  if (!review.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected a ClaimReview object"));
  }
  const std::string text = Text(claim.Find("text"));
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": the claim has no text; expected \"text\": the "
                     "statement that was checked"));
  }
  Rating rating;
  rating.wording = Text(review.Find("textualRating"));
  if (rating.wording.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ".textualRating: is required; expected the publisher's rating "
        "(e.g. \"False\")"));
  }
  absl::StatusOr<Verdict> verdict = DecideVerdict(table, rating, "");
  if (!verdict.ok()) return verdict.status();

  ImportedReview out;
  if (!verdict->warning.empty()) out.warnings.push_back(verdict->warning);
  const std::string claimant = Text(claim.Find("claimant"));
  v1::Claim& mapped = out.claim;
  mapped.set_name(absl::StrCat(
      "claims/",
      DerivedClaimId(absl::StrCat("factcheck-api\n", claimant, "\n", text))));
  mapped.set_statement(text);
  mapped.set_status(verdict->status);

  const JsonValue* publisher = review.Find("publisher");
  const std::string name =
      publisher != nullptr ? Text(publisher->Find("name")) : "";
  const std::string site =
      publisher != nullptr ? Text(publisher->Find("site")) : "";
  const std::string url = Text(review.Find("url"));
  std::string source = !name.empty()   ? name
                       : !site.empty() ? site
                                       : UrlHost(url);
  if (source.empty()) return out;  // the verdict, without evidence

  std::vector<std::string> note = {
      absl::StrCat(kClaimReviewNote, " via Fact Check Tools API")};
  if (std::string title = Text(review.Find("title")); !title.empty()) {
    note.push_back(absl::StrCat("title: ", title));
  }
  if (std::string language = Text(review.Find("languageCode"));
      !language.empty()) {
    note.push_back(absl::StrCat("language: ", language));
  }
  if (!site.empty() && site != source) {
    note.push_back(absl::StrCat("publisher site: ", site));
  }
  if (!claimant.empty()) note.push_back(absl::StrCat("claimant: ", claimant));
  if (std::string date = Text(claim.Find("claimDate")); !date.empty()) {
    note.push_back(absl::StrCat("claimDate: ", date));
  }

  v1::Evidence& evidence = *mapped.add_evidence();
  evidence.set_source(source);
  evidence.set_url(url);
  evidence.set_quote(rating.wording);
  evidence.set_status(verdict->status);
  if (std::string date = Text(review.Find("reviewDate")); !date.empty()) {
    if (std::optional<absl::Time> time = ParseReviewDate(date)) {
      const int64_t seconds = absl::ToUnixSeconds(*time);
      evidence.mutable_time()->set_seconds(seconds);
    } else {
      note.push_back(absl::StrCat("reviewDate: ", date, " (not a date)"));
      out.warnings.push_back(
          absl::StrCat(path, ".reviewDate: \"", date,
                       "\" is not a date; kept in the evidence note"));
    }
  }
  evidence.set_note(absl::StrJoin(note, "; "));
  return out;
}

void AddClaim(const JsonValue& claim, absl::string_view path,
              const VerdictTable& table, std::vector<FactCheckReview>* out) {
  const JsonValue* reviews = claim.Find("claimReview");
  if (reviews == nullptr || !reviews->is_array() || reviews->items.empty()) {
    out->push_back({claim.line, std::string(path),
                    absl::InvalidArgumentError(absl::StrCat(
                        path,
                        ".claimReview: expected an array of reviews; the "
                        "claim has none"))});
    return;
  }
  for (size_t i = 0; i < reviews->items.size(); ++i) {
    const JsonValue& review = reviews->items[i];
    std::string review_path = absl::StrCat(path, ".claimReview[", i, "]");
    absl::StatusOr<ImportedReview> mapped =
        MapReview(claim, review, review_path, table);
    out->push_back({review.line, std::move(review_path), std::move(mapped)});
  }
}

absl::Status AddResponse(const JsonValue& value, absl::string_view prefix,
                         const VerdictTable& table,
                         std::vector<FactCheckReview>* out) {
  if (value.is_object() && value.Find("claimReview") != nullptr) {
    AddClaim(value,
             prefix.empty() ? std::string("claim")
                            : std::string(absl::StripSuffix(prefix, ".")),
             table, out);
    return absl::OkStatus();
  }
  const JsonValue* claims = value.Find("claims");
  if (value.is_object() && claims == nullptr) {
    // An empty search result is {} (or only a page token).
    for (const auto& [name, member] : value.members) {
      if (name != "nextPageToken") {
        return absl::InvalidArgumentError(absl::StrCat(
            "expected a claims:search response ({\"claims\": [...]}); found "
            "an object with \"",
            name, "\""));
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
    AddClaim(claim, path, table, out);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<FactCheckReview>> FactCheckApiReviews(
    const JsonValue& document, const VerdictTable& table) {
  std::vector<FactCheckReview> reviews;
  if (document.is_array()) {
    for (size_t i = 0; i < document.items.size(); ++i) {
      absl::Status status = AddResponse(
          document.items[i], absl::StrCat("[", i, "]."), table, &reviews);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", document.items[i].line, ": [", i,
                         "]: ", status.message()));
      }
    }
    return reviews;
  }
  absl::Status status = AddResponse(document, "", table, &reviews);
  if (!status.ok()) return status;
  return reviews;
}

}  // namespace claimd::client
