// The lexer of the filter language (declared in filter_ast.h): bytes to
// tokens, one token of lookahead at a time, so an error is reported at the
// first bad token the parser reaches.
//
// Whitespace is ASCII whitespace. A word is a run of letters, digits and
// `_ . - / *`; AND, OR and NOT (uppercase only) are keywords. Strings are
// double-quoted with \" and \\ as the only escapes and may hold any other
// byte, NUL and non-ASCII included; outside strings such bytes are an error.
// Every index is checked against the text size, so no input reads out of
// bounds.
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "service/core/filter/filter_ast.h"

namespace claimd::core::internal {
namespace {

bool IsSpace(char c) {
  return absl::ascii_isspace(static_cast<unsigned char>(c));
}

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.' || c == '-' || c == '/' || c == '*';
}

}  // namespace

std::string ShownText(absl::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out.append({'\\', 'x', kHex[c >> 4], kHex[c & 0xf]});
    }
  }
  if (text.size() > kMaxShown) out.append("...");
  return out;
}

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of input";
  return absl::StrCat("'", ShownText(token.raw), "'");
}

absl::StatusOr<Token> Lexer::Next(bool value_position) {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  Token token;
  token.offset = pos_;
  if (pos_ == text_.size()) return token;
  const char c = text_[pos_];
  const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  switch (c) {
    case '(':
      return Take(std::move(token), TokenKind::kLParen, 1);
    case ')':
      return Take(std::move(token), TokenKind::kRParen, 1);
    case '=':
      return TakeComparator(std::move(token), FilterOp::kEq, 1);
    case ':':
      return TakeComparator(std::move(token), FilterOp::kHas, 1);
    case '<':
      return next == '=' ? TakeComparator(std::move(token), FilterOp::kLe, 2)
                         : TakeComparator(std::move(token), FilterOp::kLt, 1);
    case '>':
      return next == '=' ? TakeComparator(std::move(token), FilterOp::kGe, 2)
                         : TakeComparator(std::move(token), FilterOp::kGt, 1);
    case '!':
      if (next == '=') {
        return TakeComparator(std::move(token), FilterOp::kNe, 2);
      }
      return FilterError(pos_,
                         "unexpected character '!'; expected '!=' or NOT");
    case '"':
      return TakeString(std::move(token));
    default:
      break;
  }
  if (c == '-' && !value_position) {
    return Take(std::move(token), TokenKind::kMinus, 1);
  }
  if (IsWordChar(c)) return TakeWord(std::move(token));
  return FilterError(pos_, "unexpected character '",
                     ShownText(text_.substr(pos_, 1)),
                     "'; expected a field, value, operator or parenthesis");
}

Token Lexer::Take(Token token, TokenKind kind, size_t length) {
  token.kind = kind;
  token.raw = text_.substr(pos_, length);
  pos_ += length;
  return token;
}

Token Lexer::TakeComparator(Token token, FilterOp op, size_t length) {
  token.op = op;
  return Take(std::move(token), TokenKind::kComparator, length);
}

Token Lexer::TakeWord(Token token) {
  const size_t start = pos_;
  while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
  token.raw = text_.substr(start, pos_ - start);
  if (token.raw == "AND") {
    token.kind = TokenKind::kAnd;
  } else if (token.raw == "OR") {
    token.kind = TokenKind::kOr;
  } else if (token.raw == "NOT") {
    token.kind = TokenKind::kNot;
  } else {
    token.kind = TokenKind::kWord;
    token.value = std::string(token.raw);
  }
  return token;
}

absl::StatusOr<Token> Lexer::TakeString(Token token) {
  const size_t start = pos_++;  // past the opening quote
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      token.kind = TokenKind::kString;
      token.raw = text_.substr(start, pos_ - start);
      return token;
    }
    if (c == '\\') {
      // A '\' as the last byte escapes nothing: the string is unterminated.
      if (pos_ + 1 == text_.size()) break;
      const char escaped = text_[pos_ + 1];
      if (escaped != '"' && escaped != '\\') {
        return FilterError(pos_, "unsupported escape '\\",
                           ShownText(text_.substr(pos_ + 1, 1)),
                           "' in string; only \\\" and \\\\ are allowed");
      }
      token.value.push_back(escaped);
      pos_ += 2;
      continue;
    }
    token.value.push_back(c);
    ++pos_;
  }
  return FilterError(
      start,
      "unterminated string; expected a closing '\"', found end of input");
}

}  // namespace claimd::core::internal
