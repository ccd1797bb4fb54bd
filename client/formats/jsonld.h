// Finding ClaimReview objects in a JSON-LD document, whatever shape the
// publisher chose: a single object, an array, an "@graph", a DataFeed's
// "dataFeedElement" items (DataFeedItem "item"), a ClaimReview nested in a
// WebPage's "review" or "mainEntity", an Article's "hasPart", or anywhere
// else in the structure. "@type" may be a string or an array, with or
// without a schema.org prefix ("schema:ClaimReview",
// "https://schema.org/ClaimReview").
//
// A review may name its author, publisher or itemReviewed by reference
// ({"@id": "https://example.org/#org"}) to another node of the same
// document, as @graph markup does; ResolveReferences puts the node in its
// place.
//
//   std::vector<const JsonValue*> reviews = FindClaimReviews(document);
//   std::optional<JsonValue> whole = ResolveReferences(*reviews[0], document);
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_FORMATS_JSONLD_H_
#define CLAIMD_CLIENT_FORMATS_JSONLD_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/formats/json_value.h"

namespace claimd::client {

// True when `object`'s @type is, or lists, `type` (schema.org prefixes
// ignored).
bool HasType(const JsonValue& object, absl::string_view type);

// The types @type names, joined with ", " ("" when there is none), for
// messages.
std::string TypeNames(const JsonValue& object);

// Every ClaimReview in `document`, in document order: objects whose @type
// includes ClaimReview, and objects without @type that have
// "claimReviewed". The search does not descend into a ClaimReview (its
// itemReviewed is part of it). The pointers point into `document`.
std::vector<const JsonValue*> FindClaimReviews(const JsonValue& document);

// A copy of `review` whose author, publisher and itemReviewed (or items of
// their arrays) that are references (objects with "@id" and nothing else but
// "@type") are replaced by the node of `document` with that @id (the first
// with more than @id and @type). One level only: the nodes put in are not
// resolved in turn, so references that form a cycle end there; a reference
// to the review itself is left alone. nullopt when nothing was replaced.
std::optional<JsonValue> ResolveReferences(const JsonValue& review,
                                           const JsonValue& document);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_JSONLD_H_
