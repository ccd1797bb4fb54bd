// Text helpers for terminal output: making untrusted text safe to print,
// measuring and truncating UTF-8, ANSI colour, and a kubectl-style column
// table.
//
//   TextTable table({"ID", "STATUS"});
//   table.AddRow({"abc", Cell("DENIED", Colored("DENIED", kRed, true))});
//   std::string out = table.Render(/*width=*/80);
//   // "ID    STATUS\nabc   DENIED\n" (DENIED in red)
//
// Columns are separated by three spaces and padded to their widest cell; the
// last column is never padded and, when `width` is positive, is truncated with
// "..." so each line fits (keeping at least 10 columns for it). Widths are
// terminal columns as the C library's wcwidth counts them (CJK and emoji 2,
// combining marks 0).
//
// Thread-safety: pure functions; TextTable is a value type.
#ifndef CLAIMD_CLIENT_RENDER_TEXT_H_
#define CLAIMD_CLIENT_RENDER_TEXT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace claimd::client {

inline constexpr absl::string_view kRed = "\033[31m";
inline constexpr absl::string_view kGreen = "\033[32m";
inline constexpr absl::string_view kYellow = "\033[33m";
inline constexpr absl::string_view kReset = "\033[0m";

// `text` wrapped in `color` and a reset when `enabled`, else `text` unchanged.
std::string Colored(absl::string_view text, absl::string_view color,
                    bool enabled);

// Replaces what could drive or disguise the terminal with spaces: control
// characters (C0, DEL, C1 such as CSI U+009B), bidirectional overrides,
// embeddings and isolates (U+202A..U+202E, U+2066..U+2069), direction marks
// and zero-width characters (U+200B..U+200F, U+2060..U+2064, U+FEFF);
// newlines too unless `keep_newlines`.
std::string Sanitize(absl::string_view text, bool keep_newlines = false);

// The terminal columns `text` takes (wcwidth per code point).
size_t DisplayWidth(absl::string_view text);

// As many whole characters of `text` as fit in `columns` terminal columns.
std::string PrefixColumns(absl::string_view text, size_t columns);

// `text` if it fits in `max_width` columns, else as many whole characters as
// fit in max_width - 3 columns, followed by "...".
std::string Truncate(absl::string_view text, size_t max_width);

// One table cell: `plain` is what is measured, `styled` what is printed (the
// same text with colour codes), empty meaning `plain`.
struct Cell {
  Cell(std::string plain) : plain(std::move(plain)) {}  // NOLINT: implicit
  Cell(std::string plain, std::string styled)
      : plain(std::move(plain)), styled(std::move(styled)) {}
  Cell(const char* plain) : plain(plain) {}  // NOLINT: implicit

  std::string plain;
  std::string styled;
};

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);

  // Missing cells are printed empty; extra cells are ignored.
  void AddRow(std::vector<Cell> row);

  // The header (unless `header` is false) and every row, each ending in "\n".
  // `width` 0 disables truncation.
  std::string Render(size_t width, bool header = true) const;

 private:
  std::vector<std::vector<Cell>> rows_;  // rows_[0] is the header
  size_t columns_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_RENDER_TEXT_H_
