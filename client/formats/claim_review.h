// schema.org ClaimReview (JSON-LD) <-> claims.v1.Claim, as pure functions.
//
// Fact-checkers publish verdicts as ClaimReview objects
// (https://schema.org/ClaimReview). `claimctl import --format claimreview`
// reads one per line (JSON Lines) or a JSON array of them; `claimctl export
// --format claimreview` writes one per line.
//
// Import mapping (one ClaimReview -> one claim with one evidence item):
//   claimReviewed            -> statement (required, non-empty)
//   reviewRating             -> the verdict, the claim's status and the
//                               evidence's status (required):
//     1. alternateName, compared case-insensitively without surrounding
//        spaces and trailing ".!":
//          CONFIRMED: true, mostly true, correct, accurate, confirmed,
//                     verified
//          DENIED:    false, mostly false, pants on fire, incorrect,
//                     inaccurate, fake, fabricated, misleading, wrong,
//                     denied
//          REPORTED:  unproven, unverified, mixture, mixed, half true,
//                     half-true, disputed, needs context, missing context,
//                     unsupported, reported
//     2. otherwise ratingValue (a number or numeric string) placed on the
//        scale from worstRating (default 1) to bestRating (default 5):
//        p = (ratingValue - worstRating) / (bestRating - worstRating);
//        p >= 2/3 -> CONFIRMED, p <= 1/3 -> DENIED, else REPORTED. On the
//        default 1..5 scale: 1-2 DENIED, 3 REPORTED, 4-5 CONFIRMED.
//        A value outside the scale, or bestRating == worstRating, is an error.
//     3. neither: INVALID_ARGUMENT (an unknown alternateName is named).
//   author.name (author may be an object, a string or an array: the first)
//                            -> evidence source; without an author the claim
//                               is created with the verdict and no evidence
//   url                      -> evidence url (the review)
//   reviewRating.alternateName -> evidence quote (the verdict as published)
//   datePublished (YYYY-MM-DD or RFC 3339) -> evidence time, when it parses
//   identifier "claims/ID" or "ID" (a valid claim id) -> the claim id;
//   otherwise the id is "cr-" + 16 hex digits of a 64-bit FNV-1a hash of the
//   first non-empty of identifier, url, claimReviewed, so importing the same
//   review again finds the same claim. Other properties (itemReviewed,
//   publisher, ...) are not stored.
//
// Export mapping (the reverse; one claim -> one ClaimReview):
//   identifier "claims/ID", claimReviewed = statement, and from the verdict
//   evidence (the newest item whose status is the claim's status; none when
//   no item has it): author {"@type": "Organization", "name": source}, url,
//   datePublished = its time (else the claim's update_time), RFC 3339 UTC.
//   reviewRating {"@type": "Rating", "bestRating": 5, "worstRating": 1,
//   "ratingValue": 5 / 3 / 1, "alternateName": "True" / "Unproven" /
//   "False"} for CONFIRMED / REPORTED / DENIED. Importing an export gives the
//   same id, statement, status and verdict evidence (source, url, time).
//
//   absl::StatusOr<claims::v1::Claim> claim = ParseClaimReview(line);
//   std::string json = ClaimReviewJson(*claim);
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_FORMATS_CLAIM_REVIEW_H_
#define CLAIMD_CLIENT_FORMATS_CLAIM_REVIEW_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

// The verdict of a reviewRating (rules 1-3 above). `alternate_name` may be
// empty; `rating_value` etc. are nullopt when absent.
absl::StatusOr<claims::v1::VerificationStatus> VerdictFromRating(
    absl::string_view alternate_name, std::optional<double> rating_value,
    std::optional<double> best_rating, std::optional<double> worst_rating);

// One ClaimReview (JSON text of one object) -> the claim it describes, in the
// form ParseImportLine returns: `name` set, `status` the verdict, at most one
// evidence item. INVALID_ARGUMENT, naming the property, when the text is not
// a JSON object, @type is present and not ClaimReview, claimReviewed is
// missing, or the rating gives no verdict.
absl::StatusOr<claims::v1::Claim> ParseClaimReview(absl::string_view text);

// The elements of a JSON array of ClaimReviews, each as JSON text (so
// ParseClaimReview reads them); INVALID_ARGUMENT when `text` is not an array.
absl::StatusOr<std::vector<std::string>> SplitClaimReviewArray(
    absl::string_view text);

// The claim id a review without a usable identifier gets: "cr-" + 16 hex.
std::string DerivedClaimId(absl::string_view key);

// One ClaimReview object on one line, without a newline (export mapping
// above).
std::string ClaimReviewJson(const claims::v1::Claim& claim);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_CLAIM_REVIEW_H_
