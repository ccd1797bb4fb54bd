// A JSON reader that remembers where things are, for import formats whose
// errors must name a line: ClaimReview JSON-LD (one document per line, one
// pretty-printed document per file, or ld+json blocks of an HTML page) and
// Fact Check Tools API responses.
//
// protobuf's JSON parser (used for claims.v1.Claim lines) reports neither a
// line nor what it expected, and its Struct loses key order; this one keeps
// both. Strings are decoded (\u escapes, surrogate pairs) and always valid
// UTF-8: an invalid byte becomes U+FFFD. Numbers keep their text as well as
// their value. Nesting deeper than kMaxJsonDepth is refused (no unbounded
// recursion on hostile input).
//
//   JsonReader reader(text, /*first_line=*/1);
//   while (!reader.AtEnd()) {
//     absl::StatusOr<JsonValue> document = reader.Next();
//     if (!document.ok()) { /* "line 3, column 9: expected ',' or '}'" */
//       reader.SkipToNextDocument(); continue; }
//     const JsonValue* type = document->Find("@type");
//   }
//
// Thread-safety: JsonValue is a plain value; a JsonReader belongs to one
// thread.
#ifndef CLAIMD_CLIENT_FORMATS_JSON_VALUE_H_
#define CLAIMD_CLIENT_FORMATS_JSON_VALUE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::client {

inline constexpr int kMaxJsonDepth = 200;

struct JsonMember;

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  // kString: the decoded text; kNumber: the number as written.
  std::string text;
  std::vector<JsonValue> items;     // kArray
  std::vector<JsonMember> members;  // kObject, in the order written
  // Where the value starts in the input (1-based).
  int64_t line = 0;
  int64_t column = 0;

  bool is_object() const { return kind == Kind::kObject; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_string() const { return kind == Kind::kString; }

  // The first member named `key` of an object; null when absent or when this
  // is not an object.
  const JsonValue* Find(absl::string_view key) const;
};

// One member of an object. A struct of its own, not std::pair: a pair of an
// incomplete JsonValue inside JsonValue is not portable (clang rejects it).
struct JsonMember {
  std::string first;  // the key
  JsonValue second;   // the value
};

// Reads consecutive JSON documents separated by whitespace.
class JsonReader {
 public:
  // `first_line`: the line number of the first character of `text` (an ld+json
  // block starts somewhere inside its page).
  explicit JsonReader(absl::string_view text, int64_t first_line = 1);

  // True when only whitespace is left.
  bool AtEnd();

  // The next document. INVALID_ARGUMENT "line L, column C: expected X, found
  // Y" when it is not JSON; the reader is then inside the broken document:
  // call SkipToNextDocument before Next again.
  absl::StatusOr<JsonValue> Next();

  // After an error: moves to the next line after the broken document's first
  // line that starts (in column 1) with '{' or '[', or to the end. One error
  // per broken line of a JSON Lines file, one per broken pretty-printed
  // document.
  void SkipToNextDocument();

  // The line of the last document Next started to read.
  int64_t document_line() const { return document_line_; }

 private:
  absl::StatusOr<JsonValue> ParseValue(int depth);
  absl::StatusOr<JsonValue> ParseObject(int depth);
  absl::StatusOr<JsonValue> ParseArray(int depth);
  absl::Status ParseString(std::string* out);
  absl::StatusOr<JsonValue> ParseNumber();
  absl::StatusOr<JsonValue> ParseLiteral();
  void SkipWhitespace();
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void Advance();
  absl::Status Expected(absl::string_view what) const;

  absl::string_view text_;
  size_t pos_ = 0;
  int64_t line_;
  size_t line_start_ = 0;  // offset of the current line's first byte
  size_t document_start_ = 0;
  int64_t document_line_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_JSON_VALUE_H_
