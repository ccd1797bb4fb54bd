// Recursive-descent parser for the filter language of filter.h, over the
// tokens of filter_lexer.cc.
//
// clang-format off
//   filter     = [ expr ] END
//   expr       = and_expr { "OR" and_expr }
//   and_expr   = unary { [ "AND" ] unary }      (side by side means AND)
//   unary      = ( "NOT" | "-" ) unary | primary
//   primary    = "(" expr ")" | comparison
//   comparison = field comparator value
//   field      = "name" | "claim_id" | "statement" | "status" | "revision"
//              | "evidence_count" | "labels." KEY
//   KEY        = [a-z][a-z0-9_-]*
//   comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"
//   value      = WORD | STRING
//   WORD       = 1*( ALPHA | DIGIT | "_" | "." | "-" | "/" | "*" )
//   STRING     = '"' { any byte but '"' and '\' | '\"' | '\\' } '"'
// clang-format on
//
// Precedence: AIP-160 makes OR bind tighter than AND, so there `a AND b OR c`
// means `a AND (b OR c)`. We deliberately use the conventional order instead
// (NOT and `-` tightest, then AND, then OR: `(a AND b) OR c`), because that is
// what SQL, programming languages and most readers assume; filter.h and the
// proto say so.
//
// A `-` starts a negation where a term is expected and is part of a word where
// a value is expected, so `-labels.urgent:*` negates while `revision > -1`
// compares with -1. Keywords (AND, OR, NOT) are case-sensitive: `and` is a
// word (and, as a field, an error).
//
// Robustness: the text is bounded by kMaxFilterBytes, and nesting (parentheses,
// NOT and `-`) by kMaxFilterDepth before the parser recurses, so any input,
// NUL and non-ASCII bytes included, ends in a tree or an INVALID_ARGUMENT,
// never in a crash. Arbitrary bytes are allowed inside quoted strings only.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "service/core/claim.h"
#include "service/core/filter/filter_ast.h"
#include "service/core/limits.h"
#include "service/util/status_macros.h"

namespace claimd::core::internal {
namespace {

constexpr absl::string_view kKnownFields =
    "name, claim_id, statement, status, labels.KEY, revision, evidence_count";
constexpr absl::string_view kLabelsPrefix = "labels.";

bool IsLabelKey(absl::string_view key) {
  if (key.empty() || !absl::ascii_islower(static_cast<unsigned char>(key[0]))) {
    return false;
  }
  for (char c : key) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

// An optionally negative decimal integer that fits in int64, nothing else (no
// spaces, no '+', no hex), so `revision = " 5"` is rejected rather than
// silently trimmed.
std::optional<int64_t> ParseInteger(absl::string_view text) {
  absl::string_view digits =
      absl::StartsWith(text, "-") ? text.substr(1) : text;
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  }
  int64_t value;
  if (!absl::SimpleAtoi(text, &value)) return std::nullopt;  // overflow
  return value;
}

class Parser {
 public:
  Parser(absl::string_view text, int max_depth)
      : lexer_(text), max_depth_(max_depth) {}

  absl::StatusOr<std::unique_ptr<FilterNode>> Parse() {
    RETURN_IF_ERROR(Advance());
    if (token_.kind == TokenKind::kEnd) return nullptr;
    ASSIGN_OR_RETURN(FilterNode root, ParseOr(""));
    if (token_.kind == TokenKind::kRParen) {
      return FilterError(token_.offset, "unmatched ')'");
    }
    if (token_.kind != TokenKind::kEnd) {
      return FilterError(token_.offset,
                         "expected AND, OR or end of input, found ",
                         DescribeToken(token_));
    }
    return std::make_unique<FilterNode>(std::move(root));
  }

 private:
  absl::Status Advance() {
    ASSIGN_OR_RETURN(token_,
                     lexer_.Next(token_.kind == TokenKind::kComparator));
    return absl::OkStatus();
  }

  // Whether the current token can only begin a term, which makes juxtaposition
  // an AND. A string counts so that `a = 1 "x"` reports "expected a field" at
  // the string.
  bool AtTermStart() const {
    switch (token_.kind) {
      case TokenKind::kLParen:
      case TokenKind::kNot:
      case TokenKind::kMinus:
      case TokenKind::kWord:
      case TokenKind::kString:
        return true;
      default:
        return false;
    }
  }

  // Counts one level of parentheses or negation; checked before recursing, so
  // the stack depth is bounded by kMaxFilterDepth whatever the input.
  absl::Status EnterNesting() {
    if (depth_ >= max_depth_) {
      return FilterError(token_.offset, "filter nests deeper than ", max_depth_,
                         " levels of parentheses, NOT and '-'");
    }
    ++depth_;
    return absl::OkStatus();
  }

  // Joins `children` under an AND/OR node, or returns the only child as it is.
  static FilterNode Join(FilterNode::Kind kind,
                         std::vector<FilterNode> children) {
    if (children.size() == 1) return std::move(children.front());
    FilterNode node;
    node.kind = kind;
    node.children = std::move(children);
    return node;
  }

  // `after` names what preceded the expression ("'('", "'OR'"), for error
  // messages.
  absl::StatusOr<FilterNode> ParseOr(absl::string_view after) {
    std::vector<FilterNode> children;
    ASSIGN_OR_RETURN(FilterNode first, ParseAnd(after));
    children.push_back(std::move(first));
    while (token_.kind == TokenKind::kOr) {
      RETURN_IF_ERROR(Advance());
      ASSIGN_OR_RETURN(FilterNode next, ParseAnd("'OR'"));
      children.push_back(std::move(next));
    }
    return Join(FilterNode::Kind::kOr, std::move(children));
  }

  absl::StatusOr<FilterNode> ParseAnd(absl::string_view after) {
    std::vector<FilterNode> children;
    ASSIGN_OR_RETURN(FilterNode first, ParseUnary(after));
    children.push_back(std::move(first));
    while (true) {
      absl::string_view next_after;
      if (token_.kind == TokenKind::kAnd) {
        RETURN_IF_ERROR(Advance());
        next_after = "'AND'";
      } else if (!AtTermStart()) {
        break;
      }
      ASSIGN_OR_RETURN(FilterNode next, ParseUnary(next_after));
      children.push_back(std::move(next));
    }
    return Join(FilterNode::Kind::kAnd, std::move(children));
  }

  absl::StatusOr<FilterNode> ParseUnary(absl::string_view after) {
    if (token_.kind != TokenKind::kNot && token_.kind != TokenKind::kMinus) {
      return ParsePrimary(after);
    }
    const absl::string_view op =
        token_.kind == TokenKind::kNot ? "'NOT'" : "'-'";
    RETURN_IF_ERROR(EnterNesting());
    RETURN_IF_ERROR(Advance());
    ASSIGN_OR_RETURN(FilterNode operand, ParseUnary(op));
    --depth_;
    FilterNode node;
    node.kind = FilterNode::Kind::kNot;
    node.children.push_back(std::move(operand));
    return node;
  }

  absl::StatusOr<FilterNode> ParsePrimary(absl::string_view after) {
    if (token_.kind == TokenKind::kWord) return ParseComparison();
    if (token_.kind != TokenKind::kLParen) {
      return FilterError(token_.offset, "expected a field, '(', NOT or '-'",
                         after.empty() ? "" : " after ", after, ", found ",
                         DescribeToken(token_));
    }
    const size_t open = token_.offset;
    RETURN_IF_ERROR(EnterNesting());
    RETURN_IF_ERROR(Advance());
    ASSIGN_OR_RETURN(FilterNode inner, ParseOr("'('"));
    if (token_.kind != TokenKind::kRParen) {
      return FilterError(token_.offset,
                         "expected ')' to close the '(' at column ", open + 1,
                         ", found ", DescribeToken(token_));
    }
    --depth_;
    RETURN_IF_ERROR(Advance());
    return inner;
  }

  absl::StatusOr<FilterNode> ParseComparison() {
    FilterNode node;
    const Token field = token_;
    RETURN_IF_ERROR(ResolveField(field, node));
    RETURN_IF_ERROR(Advance());
    if (token_.kind != TokenKind::kComparator) {
      return FilterError(
          token_.offset,
          "expected a comparator (=, !=, <, <=, >, >= or :) after '",
          ShownText(field.raw), "', found ", DescribeToken(token_));
    }
    const Token op = token_;
    node.op = op.op;
    RETURN_IF_ERROR(Advance());
    if (token_.kind != TokenKind::kWord && token_.kind != TokenKind::kString) {
      return FilterError(token_.offset, "expected a value after '", op.raw,
                         "', found ", DescribeToken(token_));
    }
    RETURN_IF_ERROR(ResolveValue(field, op, token_, node));
    RETURN_IF_ERROR(Advance());
    return node;
  }

  static absl::Status ResolveField(const Token& token, FilterNode& node) {
    static constexpr struct {
      absl::string_view name;
      FilterField field;
    } kFields[] = {
        {"name", FilterField::kName},
        {"claim_id", FilterField::kClaimId},
        {"statement", FilterField::kStatement},
        {"status", FilterField::kStatus},
        {"revision", FilterField::kRevision},
        {"evidence_count", FilterField::kEvidenceCount},
    };
    for (const auto& known : kFields) {
      if (token.raw == known.name) {
        node.field = known.field;
        return absl::OkStatus();
      }
    }
    if (absl::StartsWith(token.raw, kLabelsPrefix)) {
      const absl::string_view key = token.raw.substr(kLabelsPrefix.size());
      if (!IsLabelKey(key)) {
        return FilterError(token.offset, "invalid label key '", ShownText(key),
                           "' in '", ShownText(token.raw),
                           "'; expected labels.KEY with KEY matching ",
                           "[a-z][a-z0-9_-]*");
      }
      node.field = FilterField::kLabel;
      node.label_key = std::string(key);
      return absl::OkStatus();
    }
    return FilterError(token.offset, "unknown field '", ShownText(token.raw),
                       "'; known fields: ", kKnownFields);
  }

  // Checks that `op` suits the field and stores `value` in its parsed form.
  static absl::Status ResolveValue(const Token& field, const Token& op,
                                   const Token& value, FilterNode& node) {
    switch (node.field) {
      case FilterField::kStatus:
        if (node.op != FilterOp::kEq && node.op != FilterOp::kNe) {
          return FilterError(op.offset, "operator '", op.raw,
                             "' is not supported for status; use = or !=");
        }
        node.status = ParseStatusName(value.value);
        if (node.status == VerificationStatus::kUnspecified) {
          return FilterError(value.offset, "unknown status '",
                             ShownText(value.value),
                             "'; expected REPORTED, CONFIRMED or DENIED");
        }
        return absl::OkStatus();
      case FilterField::kRevision:
      case FilterField::kEvidenceCount:
        if (node.op == FilterOp::kHas) {
          return FilterError(op.offset, "operator ':' is not supported for ",
                             field.raw, "; use =, !=, <, <=, > or >=");
        }
        {
          const std::optional<int64_t> number = ParseInteger(value.value);
          if (!number.has_value()) {
            return FilterError(value.offset, "expected an integer for ",
                               field.raw, ", found ", DescribeToken(value));
          }
          node.number = *number;
        }
        return absl::OkStatus();
      default:
        break;
    }
    // Text fields and labels. A bare `*` only means "present" after ':';
    // anywhere else an unquoted '*' would look like a wildcard we do not
    // implement, so it is refused rather than silently matched literally.
    if (value.kind == TokenKind::kWord && absl::StrContains(value.value, '*')) {
      if (node.op == FilterOp::kHas && value.value == "*") {
        node.presence = true;
        return absl::OkStatus();
      }
      return FilterError(
          value.offset, "wildcards are not supported (only FIELD:* is), found ",
          DescribeToken(value), "; quote the value to match '*' literally");
    }
    node.text = value.value;
    return absl::OkStatus();
  }

  Lexer lexer_;
  Token token_;
  int depth_ = 0;
  const int max_depth_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FilterNode>> ParseFilterTree(
    absl::string_view text, size_t max_bytes, int max_depth) {
  // The contract's limits bound the parser's stack whatever the caller asks.
  max_bytes = std::min(max_bytes, kMaxFilterBytes);
  max_depth = std::min(max_depth, kMaxFilterDepth);
  if (text.size() > max_bytes) {
    return FilterError(max_bytes, "filter is ", text.size(),
                       " bytes; the limit is ", max_bytes);
  }
  return Parser(text, max_depth).Parse();
}

}  // namespace claimd::core::internal
