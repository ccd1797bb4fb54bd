#include "client/formats/html.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
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
  while ((pos = lower.find("<script", pos)) != std::string::npos) {
    const size_t tag_end = lower.find('>', pos);
    if (tag_end == std::string::npos) break;
    const absl::string_view attributes =
        absl::string_view(html).substr(pos + 7, tag_end - pos - 7);
    const size_t close = lower.find("</script", tag_end + 1);
    if (close == std::string::npos) break;
    pos = close + 8;
    std::string type = AttributeValue(attributes, "type");
    type = std::string(absl::StripAsciiWhitespace(
        absl::string_view(type).substr(0, type.find(';'))));
    if (type != "application/ld+json") continue;
    const absl::string_view content =
        absl::string_view(html).substr(tag_end + 1, close - tag_end - 1);
    // Comment and CDATA wrappers around the JSON, at either end.
    size_t first = 0;
    size_t last = content.size();
    while (true) {
      while (first < last && absl::ascii_isspace(content[first])) ++first;
      const absl::string_view rest = content.substr(first, last - first);
      size_t skip = 0;
      for (absl::string_view opener :
           {"<!--", "/*<![CDATA[*/", "//<![CDATA[", "<![CDATA["}) {
        if (absl::StartsWith(rest, opener)) skip = opener.size();
      }
      if (skip == 0) break;
      first += skip;
    }
    while (true) {
      while (last > first && absl::ascii_isspace(content[last - 1])) --last;
      const absl::string_view rest = content.substr(first, last - first);
      size_t skip = 0;
      for (absl::string_view closer : {"-->", "/*]]>*/", "//]]>", "]]>"}) {
        if (absl::EndsWith(rest, closer)) skip = closer.size();
      }
      if (skip == 0) break;
      last -= skip;
    }
    if (first >= last || (content[first] != '{' && content[first] != '[')) {
      continue;
    }
    LdJsonBlock block;
    block.index = static_cast<int64_t>(blocks.size()) + 1;
    block.line = line_of(tag_end + 1 + first);
    block.text = content.substr(first, last - first);
    blocks.push_back(block);
  }
  return blocks;
}

std::string DecodeHtmlEntities(absl::string_view text) {
  if (text.find('&') == absl::string_view::npos) return std::string(text);
  std::string once = DecodeOnce(text);
  if (once.find('&') == std::string::npos) return once;
  return DecodeOnce(once);
}

}  // namespace claimd::client
