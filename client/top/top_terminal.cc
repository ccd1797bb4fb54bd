#include "client/top/top_terminal.h"

#include <curses.h>

#include <clocale>
#include <cstdio>

namespace claimd::client {
namespace {

// Colour pairs; 0 is the terminal's default.
constexpr short kReportedPair = 1;
constexpr short kConfirmedPair = 2;
constexpr short kDeniedPair = 3;
constexpr short kWarningPair = 4;

// ncurses keeps one screen per process; Open refuses a second.
SCREEN* g_screen = nullptr;

attr_t AttributesOf(TopStyle style, bool color) {
  const auto pair = [color](short number) -> attr_t {
    return color ? COLOR_PAIR(number) : A_NORMAL;
  };
  switch (style) {
    case TopStyle::kNormal:
      return A_NORMAL;
    case TopStyle::kTitle:
      return A_BOLD;
    case TopStyle::kColumnHeader:
      return A_BOLD | A_UNDERLINE;
    case TopStyle::kReported:
      return pair(kReportedPair);
    case TopStyle::kConfirmed:
      return pair(kConfirmedPair);
    case TopStyle::kDenied:
      return pair(kDeniedPair);
    case TopStyle::kWarning:
      return A_BOLD | pair(kWarningPair);
    case TopStyle::kKeys:
      return A_REVERSE;
  }
  return A_NORMAL;
}

}  // namespace

std::unique_ptr<CursesTerminal> CursesTerminal::Open(bool color,
                                                     std::string* why) {
  if (g_screen != nullptr) {
    *why = "the terminal is already in use";
    return nullptr;
  }
  // UTF-8 statements need the locale's character type; numbers and the rest
  // keep the "C" locale.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): called before other threads start.
  std::setlocale(LC_CTYPE, "");
  // newterm, unlike initscr, returns null instead of exiting on a bad TERM.
  g_screen = newterm(nullptr, stdout, stdin);
  if (g_screen == nullptr) {
    *why = "TERM names a terminal ncurses does not know";
    return nullptr;
  }
  set_term(g_screen);
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  const bool colors = color && has_colors() == TRUE && start_color() == OK;
  if (colors) {
    use_default_colors();
    init_pair(kReportedPair, COLOR_YELLOW, -1);
    init_pair(kConfirmedPair, COLOR_GREEN, -1);
    init_pair(kDeniedPair, COLOR_RED, -1);
    init_pair(kWarningPair, COLOR_RED, -1);
  }
  return std::unique_ptr<CursesTerminal>(new CursesTerminal(colors));
}

CursesTerminal::~CursesTerminal() {
  endwin();
  delscreen(g_screen);
  g_screen = nullptr;
}

size_t CursesTerminal::rows() const {
  return static_cast<size_t>(getmaxy(stdscr));
}

size_t CursesTerminal::cols() const {
  return static_cast<size_t>(getmaxx(stdscr));
}

void CursesTerminal::Paint(const TopScreen& screen) {
  werase(stdscr);
  for (size_t y = 0; y < screen.size(); ++y) {
    wmove(stdscr, static_cast<int>(y), 0);
    for (const TopSpan& span : screen[y].spans) {
      attr_t attributes = AttributesOf(span.style, color_);
      if (screen[y].selected) attributes |= A_REVERSE;
      wattrset(stdscr, static_cast<int>(attributes));
      waddstr(stdscr, span.text.c_str());
    }
    // A selected row is reversed across the whole width.
    if (screen[y].selected) {
      wattrset(stdscr, A_REVERSE);
      for (int x = getcurx(stdscr); x > 0 && x < getmaxx(stdscr); ++x) {
        waddch(stdscr, ' ');
      }
    }
  }
  wattrset(stdscr, A_NORMAL);
  wnoutrefresh(stdscr);
  doupdate();
}

void CursesTerminal::Repaint() {
  // The next refresh redraws every cell instead of only what changed.
  clearok(curscr, TRUE);
}

TopKeyPress CursesTerminal::ReadKey(absl::Duration timeout) {
  wtimeout(stdscr, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  const int key = wgetch(stdscr);
  switch (key) {
    case ERR:
      return {};
    case KEY_RESIZE:
      return {TopKey::kResize};
    case 12:  // Ctrl-L
      return {TopKey::kRepaint};
    case KEY_UP:
      return {TopKey::kUp};
    case KEY_DOWN:
      return {TopKey::kDown};
    case KEY_PPAGE:
      return {TopKey::kPageUp};
    case KEY_NPAGE:
      return {TopKey::kPageDown};
    case KEY_ENTER:
    case '\n':
    case '\r':
      return {TopKey::kEnter};
    case 27:
      return {TopKey::kEscape};
    case KEY_BACKSPACE:
    case 127:
    case 8:
      return {TopKey::kBackspace};
    default:
      break;
  }
  // Printable ASCII and the bytes of UTF-8 sequences.
  if ((key >= 32 && key < 127) || (key >= 128 && key < 256)) {
    return {TopKey::kChar, static_cast<char>(key)};
  }
  return {};
}

}  // namespace claimd::client
