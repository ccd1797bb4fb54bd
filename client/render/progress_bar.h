// A one-line progress bar on a terminal's stderr, for `claimctl import`.
//
//   ProgressBar bar(&std::cerr, /*enabled=*/stderr_is_tty, total_lines, 80);
//   bar.Update(done);   // redraws at most every 100 ms, and at the end
//   bar.Clear();        // before printing an error line; Update redraws
//   bar.Finish();       // erases the bar
//
// When disabled (stderr is not a terminal) nothing is ever written, so logs
// and pipes get only the summary and the error lines.
//
// Thread-safety: one thread.
#ifndef CLAIMD_CLIENT_RENDER_PROGRESS_BAR_H_
#define CLAIMD_CLIENT_RENDER_PROGRESS_BAR_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/time/time.h"

namespace claimd::client {

// "[#########.........]  45/100 lines" fitting `width` columns (the bar takes
// what the counts leave, at least 10 columns; none when `width` is narrower).
std::string ProgressText(int64_t done, int64_t total, size_t width);

class ProgressBar {
 public:
  ProgressBar(std::ostream* out, bool enabled, int64_t total, size_t width);

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(int64_t done);
  void Clear();
  void Finish() { Clear(); }

 private:
  std::ostream* out_;
  const bool enabled_;
  const int64_t total_;
  const size_t width_;
  bool shown_ = false;
  absl::Time last_draw_ = absl::InfinitePast();
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_RENDER_PROGRESS_BAR_H_
