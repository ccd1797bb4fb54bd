#include "client/formats/html.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "client/formats/html_entities.h"
#include "client/formats/utf8_append.h"

namespace claimd::client {
namespace {

// The code point of the reference body between '&' and ';', or 0.
uint32_t Reference(absl::string_view body) {
  if (absl::ConsumePrefix(&body, "#")) {
    uint32_t value = 0;
    const bool hex =
        absl::ConsumePrefix(&body, "x") || absl::ConsumePrefix(&body, "X");
    if (body.empty() || body.size() > 7) return 0;
    const bool ok = hex ? absl::SimpleHexAtoi(body, &value)
                        : absl::SimpleAtoi(body, &value);
    if (!ok || value == 0 || value > 0x10FFFF ||
        (value >= 0xD800 && value <= 0xDFFF)) {
      return 0;
    }
    return value;
  }
  return NamedHtmlEntity(body);
}

std::string DecodeOnce(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t amp = text.find('&', i);
    if (amp == absl::string_view::npos) break;
    out.append(text.data() + i, amp - i);
    const size_t semi = text.find(';', amp + 1);
    uint32_t code_point = 0;
    if (semi != absl::string_view::npos && semi - amp <= 10) {
      code_point = Reference(text.substr(amp + 1, semi - amp - 1));
    }
    if (code_point == 0) {
      out.push_back('&');
      i = amp + 1;
      continue;
    }
    AppendUtf8(code_point, &out);
    i = semi + 1;
  }
  if (i < text.size()) out.append(text.data() + i, text.size() - i);
  return out;
}

// The value of attribute `name` in a tag's attribute text, lower-cased; ""
// when absent.
std::string AttributeValue(absl::string_view attributes,
                           absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(attributes);
  size_t pos = 0;
  while ((pos = lower.find(name.data(), pos, name.size())) !=
         std::string::npos) {
    const bool starts = pos == 0 || absl::ascii_isspace(lower[pos - 1]);
    size_t after = pos + name.size();
    pos = after;
    if (!starts) continue;
    while (after < lower.size() && absl::ascii_isspace(lower[after])) ++after;
    if (after >= lower.size() || lower[after] != '=') continue;
    ++after;
    while (after < lower.size() && absl::ascii_isspace(lower[after])) ++after;
    if (after >= lower.size()) return "";
    size_t end;
    if (lower[after] == '"' || lower[after] == '\'') {
      end = lower.find(lower[after], after + 1);
      ++after;
    } else {
      end = after;
      while (end < lower.size() && !absl::ascii_isspace(lower[end])) ++end;
    }
    if (end == std::string::npos) end = lower.size();
    return lower.substr(after, end - after);
  }
  return "";
}

// The end of the tag whose attributes start at `from`: the first '>' that
// is not inside a quoted attribute value (nonce="a>b"); npos when the page
// ends first.
size_t TagEnd(absl::string_view lower, size_t from) {
  char previous = 0;  // the last character that is not a space
  for (size_t i = from; i < lower.size(); ++i) {
    const char c = lower[i];
    if (c == '>') return i;
    if ((c == '"' || c == '\'') && previous == '=') {
      i = lower.find(c, i + 1);
      if (i == absl::string_view::npos) return i;
    }
    if (!absl::ascii_isspace(c)) previous = c;
  }
  return absl::string_view::npos;
}

// A script's content without the comment and CDATA wrappers around the JSON.
// Each wrapper is stripped whole: the longest that matches at an end, so
// "//]]>" is not read as "]]>" with "//" left behind.
absl::string_view Unwrap(absl::string_view content) {
  static constexpr absl::string_view kOpeners[] = {
      "/*<![CDATA[*/", "//<![CDATA[", "<![CDATA[", "//<!--", "<!--"};
  static constexpr absl::string_view kClosers[] = {"/*]]>*/", "//]]>", "]]>",
                                                   "//-->", "-->"};
  // True when one of `wrappers` (longest first) came off at that end.
  auto strip_one = [&content](absl::Span<const absl::string_view> wrappers,
                              bool front) {
    content = front ? absl::StripLeadingAsciiWhitespace(content)
                    : absl::StripTrailingAsciiWhitespace(content);
    for (absl::string_view wrapper : wrappers) {
      if (front ? absl::ConsumePrefix(&content, wrapper)
                : absl::ConsumeSuffix(&content, wrapper)) {
        return true;
      }
    }
    return false;
  };
  while (strip_one(kOpeners, /*front=*/true)) {
  }
  while (strip_one(kClosers, /*front=*/false)) {
  }
  return content;
}

}  // namespace

bool LooksLikeHtml(absl::string_view text) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  text = absl::StripLeadingAsciiWhitespace(text);
  return absl::StartsWith(text, "<");
}

std::vector<LdJsonBlock> LdJsonBlocks(absl::string_view html) {
  std::vector<LdJsonBlock> blocks;
  const std::string lower = absl::AsciiStrToLower(html);
  size_t pos = 0;
  int64_t line = 1;
  size_t counted = 0;  // `line` is the line of byte `counted`
  const auto line_of = [&](size_t offset) {
    line += std::count(html.begin() + counted, html.begin() + offset, '\n');
    counted = offset;
    return line;
  };
  while (true) {
    const size_t script = lower.find("<script", pos);
    const size_t comment = lower.find("<!--", pos);
    if (comment < script) {
      // Commented-out markup (a draft, an old review) is not published; a
      // comment without its end runs to the end of the page, as in browsers.
      const size_t end = lower.find("-->", comment + 4);
      if (end == std::string::npos) break;
      pos = end + 3;
      continue;
    }
    if (script == std::string::npos) break;
    pos = script;
    const size_t tag_end = TagEnd(lower, pos + 7);
    const absl::string_view attributes = absl::string_view(html).substr(
        pos + 7, tag_end == std::string::npos ? absl::string_view::npos
                                              : tag_end - pos - 7);
    std::string type = AttributeValue(attributes, "type");
    type = std::string(absl::StripAsciiWhitespace(
        absl::string_view(type).substr(0, type.find(';'))));
    const bool ld_json = type == "application/ld+json";
    if (tag_end == std::string::npos) {
      // The page ends inside the tag.
      if (ld_json) {
        LdJsonBlock block;
        block.index = static_cast<int64_t>(blocks.size()) + 1;
        block.line = line_of(pos);
        block.unterminated = true;
        blocks.push_back(block);
      }
      break;
    }
    const size_t close = lower.find("</script", tag_end + 1);
    pos = close == std::string::npos ? lower.size() : close + 8;
    if (!ld_json) continue;
    const absl::string_view content = absl::string_view(html).substr(
        tag_end + 1, close == std::string::npos ? absl::string_view::npos
                                                : close - tag_end - 1);
    const absl::string_view json = Unwrap(content);
    if (close != std::string::npos &&
        (json.empty() || (json.front() != '{' && json.front() != '['))) {
      continue;
    }
    LdJsonBlock block;
    block.index = static_cast<int64_t>(blocks.size()) + 1;
    block.line = line_of(static_cast<size_t>(json.data() - html.data()));
    block.text = json;
    block.unterminated = close == std::string::npos;
    blocks.push_back(block);
  }
  return blocks;
}

bool HasClaimReviewMicrodata(absl::string_view html) {
  const std::string lower = absl::AsciiStrToLower(html);
  size_t pos = 0;
  while ((pos = lower.find("itemtype", pos)) != std::string::npos) {
    const std::string type =
        AttributeValue(absl::string_view(lower).substr(pos, 100), "itemtype");
    pos += 8;
    if (absl::EndsWith(type, "schema.org/claimreview")) return true;
  }
  return false;
}

std::string DecodeHtmlEntities(absl::string_view text) {
  if (text.find('&') == absl::string_view::npos) return std::string(text);
  std::string once = DecodeOnce(text);
  if (once.find('&') == std::string::npos) return once;
  return DecodeOnce(once);
}

}  // namespace claimd::client
