// Google Fact Check Tools API responses (`claims:search`,
// https://developers.google.com/fact-check/tools/api/reference/rest/v1alpha1/claims/search,
// and markup pages, .../v1alpha1/pages) -> claims, for `claimctl import
// --format factcheck-api`: how many desks pull other fact-checkers' verdicts,
// and how the Fact Check Markup Tool hands out a desk's own.
//
// A response is {"claims": [Claim], "nextPageToken": "..."}; a Claim is
// {"text", "claimant", "claimDate", "claimReview": [{"publisher": {"name",
// "site"}, "url", "title", "reviewDate", "textualRating", "languageCode"}]}.
// Input may be one response, one per line (saved pages), an array of
// responses (each read on its own: one that is no response fails alone), or
// bare Claim objects. An empty response ({}) has nothing to import; Google's
// error body ({"error": {"code", "message", "status"}}) saved in place of a
// page is one failed review that says so.
//
// Mapping: each claimReview of a claim is one review, in response order:
//   text -> statement (required)
//   textualRating -> the verdict (verdict.h: the words of verdicts.tsv; an
//   unknown wording is REPORTED with a warning) and the evidence quote
//   publisher.name (else publisher.site, else the url's host) -> source
//   url -> evidence url; reviewDate -> evidence time
//   note: "ClaimReview via Fact Check Tools API" then title, languageCode,
//   publisher site, claimant and claimDate, as there are
//   claim id: "cr-" + 16 hex digits of a hash of claimant and text, so every
//   review of one claim (and the same claim on another page) lands on one
//   claim, each publisher's verdict as its own evidence; the last review
//   applied decides the claim's status.
//
// A markup page (ClaimReviewMarkupPage: {"pageUrl", "publishDate",
// "claimReviewAuthor": {"name"}, "claimReviewMarkups": [{"url",
// "claimReviewed", "claimDate", "claimAuthor": {"name"},
// "claimAppearances", "claimFirstAppearance", "rating": {"textualRating",
// "ratingValue", "bestRating", "worstRating"}}]}), alone or in a list
// response ("claimReviewMarkupPages"), gives one review per markup:
//   claimReviewed -> statement; rating -> the verdict by all of verdict.h's
//   rules (a number decides only without wording, on an explicit scale)
//   claimReviewAuthor.name (else the url's host) -> source; url (else the
//   page's pageUrl) -> evidence url; publishDate -> evidence time
//   note: "ClaimReview via Fact Check Tools markup page" then claimant
//   (claimAuthor.name), claimDate, appearances, first appearance
//   claim id: as for claims:search, from claimAuthor.name and claimReviewed.
// A schema.org ClaimReview given here is refused naming --format
// claimreview.
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_FORMATS_FACTCHECK_API_H_
#define CLAIMD_CLIENT_FORMATS_FACTCHECK_API_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/formats/claim_review.h"
#include "client/formats/json_value.h"
#include "client/formats/verdict_table.h"

namespace claimd::client {

struct FactCheckReview {
  int64_t line = 0;  // where the claimReview object starts
  // "claims[2].claimReview[0]", for messages.
  std::string path;
  absl::StatusOr<ImportedReview> review;
};

// Every review of `document`. INVALID_ARGUMENT when the document is none of
// the shapes above (a response without "claims" that is not empty, a string,
// ...). Per-review failures (a claim without text, a review without
// textualRating, a markup without rating), an API error response, and an
// item of an array that is none of the shapes are returned in
// FactCheckReview::review.
absl::StatusOr<std::vector<FactCheckReview>> FactCheckApiReviews(
    const JsonValue& document, const VerdictTable& table);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_FACTCHECK_API_H_
