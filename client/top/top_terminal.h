// CursesTerminal: the only code of claimctl that talks to ncurses. It paints
// a TopScreen (top_screen.h) and turns key presses into TopKeyPress
// (top_keys.h); everything it shows is decided elsewhere.
//
//   std::string why;
//   std::unique_ptr<CursesTerminal> terminal = CursesTerminal::Open(true,
//   &why); if (terminal == nullptr) { /* fall back to line output, print `why`
//   */ } terminal->Paint(screen); TopKeyPress key =
//   terminal->ReadKey(absl::Milliseconds(200));
//
// The destructor restores the terminal (endwin). A resize (SIGWINCH, which
// ncurses turns into KEY_RESIZE) comes back as TopKey::kResize; rows() and
// cols() then give the new size.
//
// Thread-safety: ncurses is not thread-safe: one thread (the UI thread) owns
// the terminal. At most one CursesTerminal exists at a time.
#ifndef CLAIMD_CLIENT_TOP_TOP_TERMINAL_H_
#define CLAIMD_CLIENT_TOP_TOP_TERMINAL_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "client/top/top_keys.h"
#include "client/top/top_screen.h"

namespace claimd::client {

class CursesTerminal {
 public:
  // Takes over stdin/stdout. Null, with `why` set, when the terminal cannot
  // be driven (unknown TERM, no cursor addressing). Sets LC_CTYPE from the
  // environment: call it before starting other threads.
  static std::unique_ptr<CursesTerminal> Open(bool color, std::string* why);
  ~CursesTerminal();

  CursesTerminal(const CursesTerminal&) = delete;
  CursesTerminal& operator=(const CursesTerminal&) = delete;

  size_t rows() const;
  size_t cols() const;
  bool color() const { return color_; }

  // Draws `screen` (the whole screen) and refreshes.
  void Paint(const TopScreen& screen);

  // Makes the next Paint redraw the whole screen (Ctrl-L), as after another
  // program wrote over it.
  void Repaint();

  // Waits up to `timeout` for a key; kNone when none came.
  TopKeyPress ReadKey(absl::Duration timeout);

 private:
  explicit CursesTerminal(bool color) : color_(color) {}

  const bool color_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_TOP_TOP_TERMINAL_H_
