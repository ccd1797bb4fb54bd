#include "client/render/progress_bar.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace claimd::client {
namespace {

constexpr absl::Duration kRedrawInterval = absl::Milliseconds(100);
constexpr size_t kMinBar = 10;

}  // namespace

std::string ProgressText(int64_t done, int64_t total, size_t width) {
  const std::string counts = absl::StrCat("  ", done, "/", total, " lines");
  if (width < counts.size() + kMinBar + 2) return counts.substr(2);
  const size_t bar = std::min<size_t>(width - counts.size() - 2, 50);
  const size_t filled =
      total <= 0 ? bar
                 : static_cast<size_t>(std::clamp<int64_t>(done, 0, total) *
                                       static_cast<int64_t>(bar) / total);
  return absl::StrCat("[", std::string(filled, '#'),
                      std::string(bar - filled, '.'), "]", counts);
}

ProgressBar::ProgressBar(std::ostream* out, bool enabled, int64_t total,
                         size_t width)
    : out_(out),
      enabled_(enabled),
      total_(total),
      width_(width == 0 ? 80 : width) {}

void ProgressBar::Update(int64_t done) {
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (done < total_ && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  // One column spare: writing the last column wraps on some terminals.
  *out_ << '\r' << ProgressText(done, total_, width_ - 1) << std::flush;
  shown_ = true;
}

void ProgressBar::Clear() {
  if (!enabled_ || !shown_) return;
  *out_ << '\r' << std::string(width_ - 1, ' ') << '\r' << std::flush;
  shown_ = false;
  last_draw_ = absl::InfinitePast();
}

}  // namespace claimd::client
