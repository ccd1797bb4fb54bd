// The filter language shared by ListClaims and WatchClaims: a subset of
// AIP-160.
//
//   status = CONFIRMED AND labels.desk = "world"
//   NOT status = DENIED OR (statement:"minister" AND -labels.urgent:*)
//
// Fields: name ("claims/x"), claim_id, statement, status, labels.KEY, revision,
// evidence_count. Operators: = != < <= > >= and `:` (has: substring for text
// fields, `labels.KEY:*` for presence). AND binds tighter than OR; NOT and `-`
// negate; parentheses group; two terms side by side mean AND. Keywords are
// case-sensitive (AND, OR, NOT); status values are not. A parsed Filter is
// immutable and cheap to copy (shared tree), so one filter serves a watcher for
// its whole life from any thread.
#ifndef CLAIMD_SERVICE_CORE_FILTER_FILTER_H_
#define CLAIMD_SERVICE_CORE_FILTER_FILTER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/claim.h"
#include "service/core/limits.h"

namespace claimd::core {

namespace internal {
struct FilterNode;
}  // namespace internal

class Filter {
 public:
  // The filter that matches everything (what an empty text parses to).
  Filter() = default;

  // Parses `text`. Errors: INVALID_ARGUMENT with the 1-based column and what
  // was expected, e.g. "filter: column 10: expected a value after '=', found
  // end of input"; also for text longer than limits.max_filter_bytes or
  // nested deeper than limits.max_filter_depth.
  static absl::StatusOr<Filter> Parse(absl::string_view text,
                                      const RequestLimits& limits = {});

  // Whether `claim` satisfies the filter.
  bool Matches(const Claim& claim) const;
  // The same for a claim read without its evidence (a store's row head) that
  // holds `evidence_count` items: the filter looks at the count only, so a
  // store can skip reading the evidence of claims that do not match.
  bool Matches(const Claim& claim, int64_t evidence_count) const;

  // Whether a watcher with this filter gets `event`: the claim matches after
  // the change, or matched before it (a status change can move a claim out of
  // the filter).
  bool MatchesEvent(const ClaimEvent& event) const;

  bool MatchesAll() const { return root_ == nullptr; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const internal::FilterNode>
      root_;  // nullptr: match everything
};

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_FILTER_FILTER_H_
