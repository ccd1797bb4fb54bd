// Evaluation of a parsed filter (the parser is in filter_parser.cc).
//
// Semantics worth knowing, beyond filter.h:
// - Text fields (name, claim_id, statement, labels.KEY) compare byte-wise and
//   case-sensitively: = and != exactly, < <= > >= lexicographically, `:` by
//   substring. `FIELD:*` is true when the text is non-empty (for labels: when
//   the key is present, even with an empty value).
// - An absent label satisfies only `!=`: `labels.k = "x"`, `labels.k:"x"`
//   and the ordered comparisons are false, `labels.k != "x"` is true.
// - `name` is "claims/" + claim.id, compared piecewise so no string is built.
//
// Matches runs for every watcher on every event, so evaluation allocates
// nothing: the claim is read through a ClaimView that can override the status
// and evidence count, which is how MatchesEvent evaluates the claim as it was
// before a change without copying it.
#include "service/core/filter/filter.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "service/core/filter/filter_ast.h"
#include "service/util/status_macros.h"

namespace claimd::core {
namespace {

using internal::FilterField;
using internal::FilterNode;
using internal::FilterOp;

// The claim as a filter sees it: status and evidence count may be overridden.
struct ClaimView {
  const Claim& claim;
  VerificationStatus status;
  int64_t evidence_count;
};

// A text value held as two pieces, so "claims/" + id needs no concatenation.
struct Text {
  absl::string_view prefix;
  absl::string_view body;
};

// Three-way, byte-wise comparison of prefix + body with `value`.
int CompareText(const Text& text, absl::string_view value) {
  const size_t head = std::min(text.prefix.size(), value.size());
  const int c = text.prefix.substr(0, head).compare(value.substr(0, head));
  if (c != 0) return c;
  // `value` ends inside the prefix: the longer text sorts after it.
  if (value.size() < text.prefix.size()) return 1;
  return text.body.compare(value.substr(text.prefix.size()));
}

// Whether prefix + body contains `needle`.
bool ContainsText(const Text& text, absl::string_view needle) {
  if (absl::StrContains(text.body, needle)) return true;
  // Occurrences that start inside the prefix (and may run on into the body).
  for (size_t i = 0; i < text.prefix.size(); ++i) {
    const absl::string_view rest = text.prefix.substr(i);
    if (needle.size() <= rest.size()) {
      if (absl::StartsWith(rest, needle)) return true;
    } else if (absl::StartsWith(needle, rest) &&
               absl::StartsWith(text.body, needle.substr(rest.size()))) {
      return true;
    }
  }
  return false;
}

// Applies an ordering operator to a three-way comparison result.
bool Holds(FilterOp op, int comparison) {
  switch (op) {
    case FilterOp::kEq:
      return comparison == 0;
    case FilterOp::kNe:
      return comparison != 0;
    case FilterOp::kLt:
      return comparison < 0;
    case FilterOp::kLe:
      return comparison <= 0;
    case FilterOp::kGt:
      return comparison > 0;
    case FilterOp::kGe:
      return comparison >= 0;
    case FilterOp::kHas:
      break;  // the parser only allows ':' on text fields, handled in
              // MatchesText
  }
  return false;
}

int CompareNumbers(int64_t a, int64_t b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

bool MatchesText(const FilterNode& node, const Text& text) {
  if (node.presence) return !text.prefix.empty() || !text.body.empty();
  if (node.op == FilterOp::kHas) return ContainsText(text, node.text);
  return Holds(node.op, CompareText(text, node.text));
}

bool MatchesComparison(const FilterNode& node, const ClaimView& view) {
  switch (node.field) {
    case FilterField::kName:
      return MatchesText(node, {kClaimNamePrefix, view.claim.id});
    case FilterField::kClaimId:
      return MatchesText(node, {{}, view.claim.id});
    case FilterField::kStatement:
      return MatchesText(node, {{}, view.claim.statement});
    case FilterField::kLabel: {
      const auto it = view.claim.labels.find(node.label_key);
      // An absent label is unequal to every value and satisfies nothing else.
      if (it == view.claim.labels.end()) return node.op == FilterOp::kNe;
      if (node.presence) return true;
      return MatchesText(node, {{}, it->second});
    }
    case FilterField::kStatus:
      return (view.status == node.status) == (node.op == FilterOp::kEq);
    case FilterField::kRevision:
      return Holds(node.op, CompareNumbers(view.claim.revision, node.number));
    case FilterField::kEvidenceCount:
      return Holds(node.op, CompareNumbers(view.evidence_count, node.number));
  }
  return false;
}

// Recursion is bounded by the parser's nesting limit (AND/OR chains are flat).
bool Evaluate(const FilterNode& node, const ClaimView& view) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
      for (const FilterNode& child : node.children) {
        if (!Evaluate(child, view)) return false;
      }
      return true;
    case FilterNode::Kind::kOr:
      for (const FilterNode& child : node.children) {
        if (Evaluate(child, view)) return true;
      }
      return false;
    case FilterNode::Kind::kNot:
      return !Evaluate(node.children.front(), view);
    case FilterNode::Kind::kCompare:
      return MatchesComparison(node, view);
  }
  return false;
}

}  // namespace

absl::StatusOr<Filter> Filter::Parse(absl::string_view text,
                                     const RequestLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::FilterNode> root,
                   internal::ParseFilterTree(text, limits.max_filter_bytes,
                                             limits.max_filter_depth));
  Filter filter;
  filter.text_ = std::string(text);
  filter.root_ = std::move(root);
  return filter;
}

bool Filter::Matches(const Claim& claim) const {
  return Matches(claim, static_cast<int64_t>(claim.evidence.size()));
}

bool Filter::Matches(const Claim& claim, int64_t evidence_count) const {
  if (root_ == nullptr) return true;
  return Evaluate(*root_, {claim, claim.status, evidence_count});
}

bool Filter::MatchesEvent(const ClaimEvent& event) const {
  if (root_ == nullptr) return true;
  const Claim& claim = event.claim;
  const int64_t evidence_count = static_cast<int64_t>(claim.evidence.size());
  if (Evaluate(*root_, {claim, claim.status, evidence_count})) return true;
  // The claim as it was before the change: a status change and an evidence
  // append each added the last evidence item, and a status change replaced
  // previous_status. Other fields (statement, labels) never change after
  // creation. The earlier revision is not in the event, so `revision` filters
  // see only the new one.
  const int64_t evidence_before = std::max<int64_t>(evidence_count - 1, 0);
  switch (event.type) {
    case EventType::kStatusChanged:
      return Evaluate(*root_, {claim, event.previous_status, evidence_before});
    case EventType::kEvidenceAdded:
      return Evaluate(*root_, {claim, claim.status, evidence_before});
    default:
      return false;
  }
}

}  // namespace claimd::core
