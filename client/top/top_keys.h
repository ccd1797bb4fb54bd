// What each key does in `claimctl top`, as a pure function over the model and
// the view state, so the key bindings are tested without a terminal.
//
//   TopAction action = HandleTopKey({TopKey::kEnter}, model, view);
//   if (action.fetch_history) feed.FetchHistory(action.name);
//
// Table: up/k and down/j move (PageUp/PageDown by a screen), Enter opens the
// selected claim's history, `/` edits the filter, `s` cycles the sort, q
// quits. Filter editing: characters are typed, Backspace erases, Enter applies
// (the caller restarts the stream), Esc cancels. History: up/k and down/j
// scroll, q, Esc or Enter go back.
//
// Thread-safety: pure function.
#ifndef CLAIMD_CLIENT_TOP_TOP_KEYS_H_
#define CLAIMD_CLIENT_TOP_TOP_KEYS_H_

#include <cstddef>
#include <string>

#include "client/top/top_model.h"
#include "client/top/top_screen.h"

namespace claimd::client {

enum class TopKey {
  kNone,
  kUp,
  kDown,
  kPageUp,
  kPageDown,
  kEnter,
  kEscape,
  kBackspace,
  kResize,
  // Ctrl-L: redraw the whole screen (something else wrote over it).
  kRepaint,
  kChar,  // a printable character, in TopKeyPress::ch
};

struct TopKeyPress {
  TopKey key = TopKey::kNone;
  char ch = 0;
};

struct TopAction {
  bool quit = false;
  // Restart the stream with model.filter() (already set, table cleared).
  bool restart_watch = false;
  // Read the history of `name`.
  bool fetch_history = false;
  std::string name;
};

// `page` is the number of table rows on screen.
TopAction HandleTopKey(const TopKeyPress& press, TopModel& model,
                       TopViewState& view, size_t page);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_TOP_TOP_KEYS_H_
