// schema.org ClaimReview (JSON-LD) <-> claims.v1.Claim.
//
// Fact-checkers publish verdicts as ClaimReview objects
// (https://schema.org/ClaimReview). import_input.h finds them in whatever
// shape the input has (JSON Lines, a pretty-printed file, @graph, DataFeed,
// HTML pages: jsonld.h, html.h); this file maps one object.
//
// Import mapping (one ClaimReview -> one claim with at most one evidence
// item); every string has HTML character references decoded (html.h):
//   claimReviewed (a string, or an array of them joined with " / ";
//   else itemReviewed.name or .text)  -> statement (required)
//   reviewRating (an object, or the first of an array): alternateName (else
//   name) and ratingValue/bestRating/worstRating -> the verdict, by the rules
//   of verdict.h (the words of verdicts.tsv first)
//   evidence source: author.name, author as a string (the first of an
//   array), else publisher.name, else the host of author.url, publisher.url
//   or url; without any, the claim gets the verdict and no evidence
//   url -> evidence url; the rating's wording -> evidence quote
//   datePublished, dateModified -> evidence time (ParseReviewDate): the
//   later of the two, so a correction is newer than what it corrects
//   (PlanClaimReviewImport in import.h compares them); a form that is not a
//   date is kept as text in the note, with a warning
//   evidence note: "ClaimReview" then, as there are, the numbers the wording
//   overrode, the claimant (itemReviewed.author), the claim's date
//   ("claimDate: " itemReviewed.datePublished), the urls of its appearance
//   and firstAppearance, inLanguage, a publisher
//   other than the source, a date that is not the evidence time or not
//   RFC 3339 (its text)
//   identifier "claims/ID" (ID a valid claim id, as export writes it) -> the
//   claim id; otherwise "cr-" + 16 hex digits of a 64-bit FNV-1a hash of
//   the publisher (the host of url, else the evidence source) and the
//   identifier (publishers' identifiers are often CMS post numbers, unique
//   only on their own site), or of url + claimReviewed (so the reviews of a
//   round-up page that share one url stay separate claims), or of
//   claimReviewed alone. Importing the same review again finds the same
//   claim.
//
// Export mapping (the reverse; one claim -> one ClaimReview line):
//   identifier "claims/ID", claimReviewed = statement, and from the verdict
//   evidence (the newest item whose status is the claim's status; none when
//   no item has it): author {"@type": "Organization", "name": source}, url,
//   datePublished = its time, RFC 3339 UTC. reviewRating {"@type": "Rating",
//   "bestRating": 5, "worstRating": 1, "ratingValue": 5 / 3 / 1} for
//   CONFIRMED / REPORTED / DENIED, and "alternateName": the publisher's own
//   wording (the evidence quote) when the evidence was imported from a
//   ClaimReview (its note starts with "ClaimReview"), else "True" /
//   "Unproven" / "False". A claim without verdict evidence exports without
//   datePublished, so export -> import -> export gives the same bytes.
//
//   absl::StatusOr<ImportedReview> review = ClaimReviewToClaim(object, table);
//   std::string json = ClaimReviewJson(review->claim);
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_FORMATS_CLAIM_REVIEW_H_
#define CLAIMD_CLIENT_FORMATS_CLAIM_REVIEW_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"
#include "client/formats/json_value.h"
#include "client/formats/verdict_table.h"

namespace claimd::client {

// The note of evidence imported from a ClaimReview starts with this.
inline constexpr absl::string_view kClaimReviewNote = "ClaimReview";

// A review mapped to the claim it describes, in the form ParseImportLine
// returns: `name` set, `status` the verdict, at most one evidence item.
struct ImportedReview {
  claims::v1::Claim claim;
  // For stderr, one clause each: an unknown or mixed rating, a date that is
  // not a date.
  std::vector<std::string> warnings;
};

// One ClaimReview object. INVALID_ARGUMENT, naming the property and what was
// expected, when `review` is not an object, claimReviewed is missing, or the
// rating gives no verdict (verdict.h rule 5).
absl::StatusOr<ImportedReview> ClaimReviewToClaim(const JsonValue& review,
                                                  const VerdictTable& table);

// The same for the JSON text of one ClaimReview object (tests, tools).
absl::StatusOr<ImportedReview> ParseClaimReview(absl::string_view text,
                                                const VerdictTable& table);

// A publication date as publishers write it: RFC 3339 ("2020-06-23T20:02:00Z",
// "+02:00"), an offset without colon ("+0200"), a space instead of "T",
// minutes without seconds, no offset (read as UTC), a date alone (midnight
// UTC; "2020-6-3" and "20200623" too), RFC 1123 ("Tue, 23 Jun 2020 10:00:00
// GMT"), or a date in English words ("June 23, 2020", "23 June 2020").
// nullopt when it is none of these, or ambiguous ("23/06/2020").
std::optional<absl::Time> ParseReviewDate(absl::string_view text);

// True when `text` is RFC 3339 or a date alone (the forms export writes).
bool IsStandardDate(absl::string_view text);

// The host of an http(s) URL ("https://www.example.org/a" ->
// "www.example.org"); "" for anything else.
std::string UrlHost(absl::string_view url);

// The claim id a review without a usable identifier gets: "cr-" + 16 hex.
std::string DerivedClaimId(absl::string_view key);

// One ClaimReview object on one line, without a newline (export mapping
// above).
std::string ClaimReviewJson(const claims::v1::Claim& claim);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_CLAIM_REVIEW_H_
