#include "client/formats/json_value.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/formats/utf8_append.h"

namespace claimd::client {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid UTF-8 sequence at text[0] (a byte >= 0x80), or 0.
size_t Utf8Length(absl::string_view text) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// How a character is named in "found X".
std::string Describe(absl::string_view text, size_t pos) {
  if (pos >= text.size()) return "the end of the input";
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  if (c == '\n') return "the end of the line";
  if (c < 0x20 || c == 0x7F) return absl::StrFormat("byte 0x%02x", c);
  if (c >= 0x80) {
    const size_t length = Utf8Length(text.substr(pos));
    if (length == 0) return absl::StrFormat("byte 0x%02x", c);
    return absl::StrCat("'", text.substr(pos, length), "'");
  }
  return absl::StrCat("'", std::string(1, static_cast<char>(c)), "'");
}

}  // namespace

const JsonValue* JsonValue::Find(absl::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (const auto& [name, value] : members) {
    if (name == key) return &value;
  }
  return nullptr;
}

JsonReader::JsonReader(absl::string_view text, int64_t first_line)
    : text_(text), line_(first_line), document_line_(first_line) {}

void JsonReader::Advance() {
  if (pos_ < text_.size() && text_[pos_] == '\n') {
    ++line_;
    line_start_ = pos_ + 1;
  }
  ++pos_;
}

void JsonReader::SkipWhitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    Advance();
  }
}

bool JsonReader::AtEnd() {
  SkipWhitespace();
  return pos_ >= text_.size();
}

absl::Status JsonReader::Expected(absl::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", line_, ", column ", pos_ - line_start_ + 1,
                   ": expected ", what, ", found ", Describe(text_, pos_)));
}

absl::StatusOr<JsonValue> JsonReader::Next() {
  SkipWhitespace();
  document_start_ = pos_;
  document_line_ = line_;
  return ParseValue(0);
}

void JsonReader::SkipToNextDocument() {
  // Back to the broken document's first line, then forward line by line.
  size_t pos = document_start_;
  int64_t line = document_line_;
  while (true) {
    const size_t newline = text_.find('\n', pos);
    if (newline == absl::string_view::npos) {
      pos_ = text_.size();
      line_ = line;
      return;
    }
    pos = newline + 1;
    ++line;
    if (pos < text_.size() && (text_[pos] == '{' || text_[pos] == '[')) {
      pos_ = pos;
      line_ = line;
      line_start_ = pos;
      return;
    }
  }
}

absl::StatusOr<JsonValue> JsonReader::ParseValue(int depth) {
  if (depth > kMaxJsonDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", line_, ": nested deeper than ", kMaxJsonDepth, " levels"));
  }
  SkipWhitespace();
  const int64_t line = line_;
  const int64_t column = static_cast<int64_t>(pos_ - line_start_) + 1;
  absl::StatusOr<JsonValue> value;
  switch (Peek()) {
    case '{':
      value = ParseObject(depth);
      break;
    case '[':
      value = ParseArray(depth);
      break;
    case '"': {
      JsonValue string;
      string.kind = JsonValue::Kind::kString;
      if (absl::Status status = ParseString(&string.text); !status.ok()) {
        return status;
      }
      value = std::move(string);
      break;
    }
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      value = ParseNumber();
      break;
    case 't':
    case 'f':
    case 'n':
      value = ParseLiteral();
      break;
    default:
      return Expected(
          "a JSON value ('{', '[', a string, a number, true, "
          "false or null)");
  }
  if (value.ok()) {
    value->line = line;
    value->column = column;
  }
  return value;
}

absl::StatusOr<JsonValue> JsonReader::ParseObject(int depth) {
  JsonValue object;
  object.kind = JsonValue::Kind::kObject;
  Advance();  // '{'
  SkipWhitespace();
  if (Peek() == '}') {
    Advance();
    return object;
  }
  while (true) {
    SkipWhitespace();
    if (Peek() != '"') return Expected("a member name in double quotes");
    std::string key;
    if (absl::Status status = ParseString(&key); !status.ok()) return status;
    SkipWhitespace();
    if (Peek() != ':') return Expected("':' after the member name");
    Advance();
    absl::StatusOr<JsonValue> value = ParseValue(depth + 1);
    if (!value.ok()) return value.status();
    object.members.push_back(JsonMember{std::move(key), *std::move(value)});
    SkipWhitespace();
    if (Peek() == ',') {
      Advance();
      continue;
    }
    if (Peek() == '}') {
      Advance();
      return object;
    }
    return Expected("',' or '}'");
  }
}

absl::StatusOr<JsonValue> JsonReader::ParseArray(int depth) {
  JsonValue array;
  array.kind = JsonValue::Kind::kArray;
  Advance();  // '['
  SkipWhitespace();
  if (Peek() == ']') {
    Advance();
    return array;
  }
  while (true) {
    absl::StatusOr<JsonValue> value = ParseValue(depth + 1);
    if (!value.ok()) return value.status();
    array.items.push_back(*std::move(value));
    SkipWhitespace();
    if (Peek() == ',') {
      Advance();
      continue;
    }
    if (Peek() == ']') {
      Advance();
      return array;
    }
    return Expected("',' or ']'");
  }
}

absl::Status JsonReader::ParseString(std::string* out) {
  Advance();  // '"'
  const auto hex4 = [&](uint32_t* value) {
    if (pos_ + 4 > text_.size()) return false;
    *value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return false;
      }
      *value = *value * 16 + static_cast<uint32_t>(digit);
    }
    pos_ += 4;
    return true;
  };
  while (true) {
    if (pos_ >= text_.size()) return Expected("'\"' to close the string");
    const unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      Advance();
      return absl::OkStatus();
    }
    if (c == '\n') return Expected("'\"' to close the string");
    if (c < 0x20)
      return Expected("a character (control bytes must be escaped)");
    if (c >= 0x80) {
      const size_t length = Utf8Length(text_.substr(pos_));
      if (length == 0) {
        out->append(kReplacement);
        ++pos_;
      } else {
        out->append(text_.data() + pos_, length);
        pos_ += length;
      }
      continue;
    }
    if (c != '\\') {
      out->push_back(static_cast<char>(c));
      ++pos_;
      continue;
    }
    ++pos_;
    const char escape = Peek();
    ++pos_;
    switch (escape) {
      case '"':
      case '\\':
      case '/':
        out->push_back(escape);
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        uint32_t unit = 0;
        if (!hex4(&unit)) return Expected("4 hex digits after \\u");
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          uint32_t low = 0;
          const size_t next = pos_;
          if (pos_ + 1 < text_.size() && text_[pos_] == '\\' &&
              text_[pos_ + 1] == 'u') {
            pos_ += 2;
            if (!hex4(&low)) return Expected("4 hex digits after \\u");
          }
          if (low >= 0xDC00 && low <= 0xDFFF) {
            AppendUtf8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), out);
          } else {
            out->append(kReplacement);  // a lone surrogate
            // The next escape is read on its own: it may start a pair of
            // its own (a stray high surrogate before a good pair), and a
            // surrogate written out would not be UTF-8.
            pos_ = next;
          }
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
          out->append(kReplacement);
        } else {
          AppendUtf8(unit, out);
        }
        break;
      }
      default:
        --pos_;
        return Expected(
            "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
  }
}

absl::StatusOr<JsonValue> JsonReader::ParseNumber() {
  const size_t start = pos_;
  if (Peek() == '-') ++pos_;
  if (!absl::ascii_isdigit(Peek())) return Expected("a digit");
  if (Peek() == '0') {
    ++pos_;
  } else {
    while (absl::ascii_isdigit(Peek())) ++pos_;
  }
  if (Peek() == '.') {
    ++pos_;
    if (!absl::ascii_isdigit(Peek())) return Expected("a digit after '.'");
    while (absl::ascii_isdigit(Peek())) ++pos_;
  }
  if (Peek() == 'e' || Peek() == 'E') {
    ++pos_;
    if (Peek() == '+' || Peek() == '-') ++pos_;
    if (!absl::ascii_isdigit(Peek()))
      return Expected("a digit in the exponent");
    while (absl::ascii_isdigit(Peek())) ++pos_;
  }
  JsonValue number;
  number.kind = JsonValue::Kind::kNumber;
  number.text = std::string(text_.substr(start, pos_ - start));
  if (!absl::SimpleAtod(number.text, &number.number) ||
      !std::isfinite(number.number)) {
    pos_ = start;
    return Expected("a finite number");
  }
  return number;
}

absl::StatusOr<JsonValue> JsonReader::ParseLiteral() {
  JsonValue value;
  const absl::string_view rest = text_.substr(pos_);
  if (absl::StartsWith(rest, "true")) {
    value.kind = JsonValue::Kind::kBool;
    value.boolean = true;
    pos_ += 4;
  } else if (absl::StartsWith(rest, "false")) {
    value.kind = JsonValue::Kind::kBool;
    pos_ += 5;
  } else if (absl::StartsWith(rest, "null")) {
    pos_ += 4;
  } else {
    return Expected("true, false or null");
  }
  return value;
}

}  // namespace claimd::client
