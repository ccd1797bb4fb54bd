#include "client/render/text.h"

#include <locale.h>
#include <wchar.h>

#include <algorithm>
#include <cwchar>
#include <utility>

#include "absl/strings/str_cat.h"

namespace claimd::client {
namespace {

constexpr absl::string_view kSeparator = "   ";
constexpr size_t kMinLastColumn = 10;

// A UTF-8 locale for wcwidth, whatever the process's locale is (claimctl
// never calls setlocale outside `top`): made once, used through uselocale,
// which only changes the calling thread's locale.
locale_t Utf8Locale() {
  static const locale_t locale = [] {
    locale_t made = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    return made != locale_t{} ? made
                              : newlocale(LC_CTYPE_MASK, "C", locale_t{});
  }();
  return locale;
}

// Calls visit(byte offset, display columns) for each code point of `text`
// until it returns false. Columns come from the C library's wcwidth:
// 2 for wide (CJK, most emoji), 0 for combining marks; bytes that are not
// valid UTF-8 and characters wcwidth does not know count 1.
template <typename Visit>
void ForEachCodePoint(absl::string_view text, Visit visit) {
  const locale_t previous = uselocale(Utf8Locale());
  std::mbstate_t state{};
  size_t offset = 0;
  while (offset < text.size()) {
    wchar_t wide = 0;
    // mbrtowc with a state of its own is thread-safe.
    const size_t length = std::mbrtowc(  // NOLINT(concurrency-mt-unsafe)
        &wide, text.data() + offset, text.size() - offset, &state);
    int columns = 1;
    size_t advance = 1;
    if (length == static_cast<size_t>(-1) ||
        length == static_cast<size_t>(-2) || length == 0) {
      state = std::mbstate_t{};
    } else {
      advance = length;
      const int measured = wcwidth(wide);
      columns = measured < 0 ? 1 : measured;
    }
    if (!visit(offset, columns)) break;
    offset += advance;
  }
  uselocale(previous);
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
    const auto next = [&](size_t k) {
      return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
    };
    if (c == '\n' && keep_newlines) {
      out.push_back('\n');
    } else if (c < 0x20 || c == 0x7F) {
      out.push_back(' ');
    } else if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {
      out.push_back(' ');  // a C1 control such as CSI (U+009B)
      ++i;
    } else if ((c == 0xE2 && next(1) == 0x80 &&
                ((next(2) >= 0x8B && next(2) <= 0x8F) ||    // U+200B..U+200F
                 (next(2) >= 0xAA && next(2) <= 0xAE))) ||  // U+202A..U+202E
               (c == 0xE2 && next(1) == 0x81 &&
                ((next(2) >= 0xA0 && next(2) <= 0xA4) ||    // U+2060..U+2064
                 (next(2) >= 0xA6 && next(2) <= 0xA9))) ||  // U+2066..U+2069
               (c == 0xEF && next(1) == 0xBB && next(2) == 0xBF)) {  // U+FEFF
      // Zero-width characters, direction marks, overrides and isolates, word
      // joiners and invisible operators: three bytes each.
      out.push_back(' ');
      i += 2;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  ForEachCodePoint(text, [&width](size_t, int columns) {
    width += static_cast<size_t>(columns);
    return true;
  });
  return width;
}

std::string PrefixColumns(absl::string_view text, size_t columns) {
  size_t width = 0;
  size_t end = text.size();
  ForEachCodePoint(text, [&](size_t offset, int taken) {
    if (width + static_cast<size_t>(taken) > columns) {
      end = offset;
      return false;
    }
    width += static_cast<size_t>(taken);
    return true;
  });
  return std::string(text.substr(0, end));
}

std::string Truncate(absl::string_view text, size_t max_width) {
  if (DisplayWidth(text) <= max_width) return std::string(text);
  return absl::StrCat(PrefixColumns(text, max_width > 3 ? max_width - 3 : 0),
                      "...");
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

std::string TextTable::Render(size_t width, bool header) const {
  if (columns_ == 0) return "";
  const size_t first = header ? 0 : 1;
  std::vector<size_t> widths(columns_, 0);
  for (size_t r = first; r < rows_.size(); ++r) {
    const auto& row = rows_[r];
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
  for (size_t r = first; r < rows_.size(); ++r) {
    const auto& row = rows_[r];
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
