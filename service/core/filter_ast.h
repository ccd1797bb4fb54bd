// Internal to the filter language: the tree that filter_parser.cc builds and
// filter.cc evaluates. Not part of the public API; include filter.h instead.
//
// The tree is built once per filter and then only read, so it is shaped for
// evaluation: AND and OR chains are flattened into one n-ary node, and every
// comparison carries its value already parsed (status enum, int64, label key),
// so matching a claim does no parsing and no allocation. Thread-safety:
// immutable after ParseFilterTree returns; any number of threads may evaluate
// one tree concurrently.
#ifndef CLAIMD_SERVICE_CORE_FILTER_AST_H_
#define CLAIMD_SERVICE_CORE_FILTER_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/claim.h"

namespace claimd::core::internal {

// What a comparison reads from the claim.
enum class FilterField : uint8_t {
  kName,  // "claims/" + claim.id
  kClaimId,
  kStatement,
  kStatus,
  kLabel,  // labels[FilterNode::label_key]
  kRevision,
  kEvidenceCount,
};

enum class FilterOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kHas };

struct FilterNode {
  enum class Kind : uint8_t {
    kAnd,      // all of `children` (two or more)
    kOr,       // any of `children` (two or more)
    kNot,      // the negation of children[0]
    kCompare,  // `field op value`
  };

  Kind kind = Kind::kCompare;
  // kCompare only. Which member holds the value depends on the field: `text`
  // for text fields and labels, `status` for kStatus, `number` for
  // kRevision/kEvidenceCount.
  FilterField field = FilterField::kClaimId;
  FilterOp op = FilterOp::kEq;
  // `FIELD:*`: the label is present, or the text field is non-empty.
  bool presence = false;
  VerificationStatus status = VerificationStatus::kUnspecified;
  int64_t number = 0;
  std::string text;
  std::string label_key;  // a std::string so std::map::find needs no temporary

  std::vector<FilterNode> children;
};

// Parses filter text into a tree. Returns nullptr for empty or all-whitespace
// text (the match-all filter). Errors: INVALID_ARGUMENT "filter: column N: ..."
// (see filter.h).
absl::StatusOr<std::unique_ptr<FilterNode>> ParseFilterTree(
    absl::string_view text);

}  // namespace claimd::core::internal

#endif  // CLAIMD_SERVICE_CORE_FILTER_AST_H_
