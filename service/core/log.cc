#include "service/core/log.h"

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace claimd::core {

void Log(LogLevel level, absl::string_view message) {
  char letter = level == LogLevel::kInfo      ? 'I'
                : level == LogLevel::kWarning ? 'W'
                                              : 'E';
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                    absl::UTCTimeZone()),
                   " claimd ", std::string(1, letter), " ", message, "\n");
  // One fwrite per line: stdio locks the stream, so concurrent lines do not
  // interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace claimd::core
