// Internal to the filter language: the tree that filter_parser.cc builds and
// filter.cc evaluates, and the lexer (filter_lexer.cc) the parser reads tokens
// from. Not part of the public API; include filter.h instead.
//
// The tree is built once per filter and then only read, so it is shaped for
// evaluation: AND and OR chains are flattened into one n-ary node, and every
// comparison carries its value already parsed (status enum, int64, label key),
// so matching a claim does no parsing and no allocation. Thread-safety:
// immutable after ParseFilterTree returns; any number of threads may evaluate
// one tree concurrently. A Lexer serves one parse on one thread.
#ifndef CLAIMD_SERVICE_CORE_FILTER_FILTER_AST_H_
#define CLAIMD_SERVICE_CORE_FILTER_FILTER_AST_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "service/core/claim.h"
#include "service/core/limits.h"

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
// `max_bytes` and `max_depth` may only tighten kMaxFilterBytes and
// kMaxFilterDepth.
absl::StatusOr<std::unique_ptr<FilterNode>> ParseFilterTree(
    absl::string_view text, size_t max_bytes = kMaxFilterBytes,
    int max_depth = kMaxFilterDepth);

// Every parse error: "filter: column N: " (1-based byte column) + the details.
template <typename... Args>
absl::Status FilterError(size_t offset, const Args&... args) {
  return absl::InvalidArgumentError(
      absl::StrCat("filter: column ", offset + 1, ": ", args...));
}

// `text` made safe to quote in a one-line message: non-printable bytes as \xNN,
// and long text cut short so a 4 KiB word does not become a 4 KiB error.
std::string ShownText(absl::string_view text);

enum class TokenKind : uint8_t {
  kEnd,
  kLParen,
  kRParen,
  kComparator,
  kWord,
  kString,
  kAnd,
  kOr,
  kNot,
  kMinus,  // a '-' where a term is expected: negation
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;            // byte offset of the first character
  absl::string_view raw;        // the token as written (points into the text)
  FilterOp op = FilterOp::kEq;  // kComparator only
  std::string value;  // kWord: the word; kString: the contents, unescaped
};

// "end of input" or the token as written, quoted, for "found ..." messages.
std::string DescribeToken(const Token& token);

// Splits filter text into tokens, one at a time. `text` must outlive the lexer
// and the tokens (their `raw` points into it).
class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) {}

  // The next token (kEnd at the end, repeatedly). `value_position`: a
  // comparator came just before, so a leading '-' belongs to the value
  // (`revision > -1`) instead of negating. Errors: INVALID_ARGUMENT for an
  // unexpected character, an unterminated string or an unsupported escape.
  absl::StatusOr<Token> Next(bool value_position);

 private:
  Token Take(Token token, TokenKind kind, size_t length);
  Token TakeComparator(Token token, FilterOp op, size_t length);
  Token TakeWord(Token token);
  absl::StatusOr<Token> TakeString(Token token);

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace claimd::core::internal

#endif  // CLAIMD_SERVICE_CORE_FILTER_FILTER_AST_H_
