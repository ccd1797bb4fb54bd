#include "client/render/text.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace claimd::client {
namespace {

constexpr absl::string_view kSeparator = "   ";
constexpr size_t kMinLastColumn = 10;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::string Colored(absl::string_view text, absl::string_view color,
                    bool enabled) {
  if (!enabled) return std::string(text);
  return absl::StrCat(color, text, kReset);
}

std::string Sanitize(absl::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && keep_newlines) {
      out.push_back('\n');
    } else if (c < 0x20 || c == 0x7F) {
      out.push_back(' ');
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out.push_back(' ');  // a C1 control such as CSI (U+009B)
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

size_t DisplayWidth(absl::string_view text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

std::string Truncate(absl::string_view text, size_t max_width) {
  if (DisplayWidth(text) <= max_width) return std::string(text);
  const size_t keep = max_width > 3 ? max_width - 3 : 0;
  size_t points = 0;
  size_t end = 0;
  for (; end < text.size(); ++end) {
    if (IsContinuationByte(text[end])) continue;
    if (points == keep) break;
    ++points;
  }
  return absl::StrCat(text.substr(0, end), "...");
}

TextTable::TextTable(std::vector<std::string> header)
    : columns_(header.size()) {
  std::vector<Cell> row;
  row.reserve(header.size());
  for (std::string& title : header) row.emplace_back(std::move(title));
  rows_.push_back(std::move(row));
}

void TextTable::AddRow(std::vector<Cell> row) {
  row.resize(columns_, Cell(""));
  rows_.push_back(std::move(row));
}

std::string TextTable::Render(size_t width) const {
  if (columns_ == 0) return "";
  std::vector<size_t> widths(columns_, 0);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < columns_; ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i].plain));
    }
  }
  size_t prefix = 0;  // columns taken before the last one
  for (size_t i = 0; i + 1 < columns_; ++i) {
    prefix += widths[i] + kSeparator.size();
  }
  const size_t last_width =
      width == 0
          ? 0
          : std::max(width > prefix ? width - prefix : 0, kMinLastColumn);

  std::string out;
  for (const auto& row : rows_) {
    for (size_t i = 0; i + 1 < columns_; ++i) {
      const Cell& cell = row[i];
      absl::StrAppend(&out, cell.styled.empty() ? cell.plain : cell.styled,
                      std::string(widths[i] - DisplayWidth(cell.plain), ' '),
                      kSeparator);
    }
    const Cell& last = row[columns_ - 1];
    if (last_width > 0 && DisplayWidth(last.plain) > last_width) {
      absl::StrAppend(&out, Truncate(last.plain, last_width));
    } else {
      absl::StrAppend(&out, last.styled.empty() ? last.plain : last.styled);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace claimd::client
