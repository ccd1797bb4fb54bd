#include "client/top/top_keys.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"

namespace claimd::client {
namespace {

constexpr size_t kMaxFilterLength = 1024;

TopAction TableKey(const TopKeyPress& press, TopModel& model,
                   TopViewState& view, size_t page) {
  TopAction action;
  const int step = static_cast<int>(std::max<size_t>(page, 1));
  switch (press.key) {
    case TopKey::kUp:
      model.MoveSelection(-1);
      break;
    case TopKey::kDown:
      model.MoveSelection(1);
      break;
    case TopKey::kPageUp:
      model.MoveSelection(-step);
      break;
    case TopKey::kPageDown:
      model.MoveSelection(step);
      break;
    case TopKey::kEnter:
      action.name = model.SelectedName();
      if (action.name.empty()) break;
      action.fetch_history = true;
      view.mode = TopMode::kHistory;
      view.history_name = action.name;
      view.history_loading = true;
      view.history.clear();
      view.history_error.clear();
      view.history_scroll = 0;
      break;
    case TopKey::kChar:
      switch (press.ch) {
        case 'q':
        case 'Q':
          action.quit = true;
          break;
        case 'k':
          model.MoveSelection(-1);
          break;
        case 'j':
          model.MoveSelection(1);
          break;
        case 's':
          model.CycleSort();
          break;
        case '/':
          view.mode = TopMode::kEditFilter;
          view.filter_draft = model.filter();
          break;
        default:
          break;
      }
      break;
    default:
      break;
  }
  return action;
}

TopAction FilterKey(const TopKeyPress& press, TopModel& model,
                    TopViewState& view) {
  TopAction action;
  switch (press.key) {
    case TopKey::kEscape:
      view.mode = TopMode::kTable;
      break;
    case TopKey::kEnter:
      view.mode = TopMode::kTable;
      model.Reset(std::string(absl::StripAsciiWhitespace(view.filter_draft)));
      view.table_top = 0;
      action.restart_watch = true;
      break;
    case TopKey::kBackspace:
      if (!view.filter_draft.empty()) {
        // Drops a whole UTF-8 sequence.
        size_t end = view.filter_draft.size() - 1;
        while (end > 0 && (static_cast<unsigned char>(view.filter_draft[end]) &
                           0xC0) == 0x80) {
          --end;
        }
        view.filter_draft.resize(end);
      }
      break;
    case TopKey::kChar:
      if (view.filter_draft.size() < kMaxFilterLength) {
        view.filter_draft.push_back(press.ch);
      }
      break;
    default:
      break;
  }
  return action;
}

TopAction HistoryKey(const TopKeyPress& press, TopViewState& view) {
  TopAction action;
  const bool back =
      press.key == TopKey::kEscape || press.key == TopKey::kEnter ||
      (press.key == TopKey::kChar && (press.ch == 'q' || press.ch == 'Q'));
  if (back) {
    view.mode = TopMode::kTable;
  } else if (press.key == TopKey::kUp ||
             (press.key == TopKey::kChar && press.ch == 'k')) {
    if (view.history_scroll > 0) --view.history_scroll;
  } else if (press.key == TopKey::kDown ||
             (press.key == TopKey::kChar && press.ch == 'j')) {
    if (view.history_scroll + 1 < view.history.size()) ++view.history_scroll;
  }
  return action;
}

}  // namespace

TopAction HandleTopKey(const TopKeyPress& press, TopModel& model,
                       TopViewState& view, size_t page) {
  switch (view.mode) {
    case TopMode::kTable:
      return TableKey(press, model, view, page);
    case TopMode::kEditFilter:
      return FilterKey(press, model, view);
    case TopMode::kHistory:
      return HistoryKey(press, view);
  }
  return {};
}

}  // namespace claimd::client
