// The layout of `claimctl top`: a pure function from the model (top_model.h)
// and the view's own state (mode, filter being edited, history being shown) to
// the exact lines on a screen of a given size. The curses code (top_terminal.h)
// only paints these lines, so the layout at 80x24, after a resize, or with a
// long statement is tested without a terminal.
//
//   TopViewState view;
//   TopScreen screen = RenderTopScreen(model, view, {.rows = 24, .cols = 80,
//                                                    .now = absl::Now()});
//   // screen[0]: "claimctl top  127.0.0.1:50051  LIVE at revision 42 ..."
//
// Layout: line 0 the server and connection state (LIVE at revision N,
// CONNECTING, RECONNECTING from revision N, FAILED) and the event rate; line
// 1 the counts per status, sort order and filter; line 2 the column header
// (ID STATUS EV SOURCE AGE STATEMENT); then the rows (the selected one
// marked); the last line the keys, or the filter being edited. In history mode
// the claim's events (as `claimctl history` prints them) replace the table.
//
// Thread-safety: pure functions; TopViewState is a value.
#ifndef CLAIMD_CLIENT_TOP_TOP_SCREEN_H_
#define CLAIMD_CLIENT_TOP_TOP_SCREEN_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"
#include "client/top/top_model.h"

namespace claimd::client {

enum class TopStyle {
  kNormal,
  kTitle,         // the first line
  kColumnHeader,  // the table's header
  kReported,
  kConfirmed,
  kDenied,
  kWarning,  // reconnecting, failed
  kKeys,     // the last line
};

struct TopSpan {
  std::string text;
  TopStyle style = TopStyle::kNormal;
};

struct TopLine {
  std::vector<TopSpan> spans;
  bool selected = false;  // drawn in reverse video
};

// Exactly `rows` lines, none wider than `cols` code points.
using TopScreen = std::vector<TopLine>;

// The concatenated text of a line.
std::string PlainText(const TopLine& line);

enum class TopMode { kTable, kEditFilter, kHistory };

struct TopViewState {
  TopMode mode = TopMode::kTable;
  // The filter being typed (kEditFilter).
  std::string filter_draft;
  // kHistory: the claim, whether its events are still loading, the events or
  // the error, and the first history line shown.
  std::string history_name;
  bool history_loading = false;
  std::vector<claims::v1::ClaimEvent> history;
  std::string history_error;
  size_t history_scroll = 0;
  // First table row shown; kept so the table scrolls only when the selection
  // leaves the screen.
  size_t table_top = 0;
};

struct TopScreenSize {
  size_t rows = 24;
  size_t cols = 80;
  absl::Time now;
  // Statuses and warnings in colour.
  bool color = false;
};

// How many table rows fit on a screen of `rows` lines.
size_t TableRows(size_t rows);

// The first row to show so that `selected` is visible, moving the window from
// `previous_top` as little as possible.
size_t ScrollTop(size_t previous_top, size_t selected, size_t visible);

// Updates view.table_top for the current selection and lays out the screen.
TopScreen RenderTopScreen(const TopModel& model, TopViewState& view,
                          const TopScreenSize& size);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_TOP_TOP_SCREEN_H_
