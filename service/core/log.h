// Minimal leveled logging to stderr, one line per message with a UTC timestamp:
//   2026-11-27T06:10:00.123Z claimd W store commit failed: disk I/O error
// Thread-safety: lines from concurrent threads never interleave.
#ifndef CLAIMD_SERVICE_CORE_LOG_H_
#define CLAIMD_SERVICE_CORE_LOG_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace claimd::core {

enum class LogLevel { kInfo, kWarning, kError };

void Log(LogLevel level, absl::string_view message);

template <typename... Args>
void LogInfo(const Args&... args) {
  Log(LogLevel::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void LogWarning(const Args&... args) {
  Log(LogLevel::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  Log(LogLevel::kError, absl::StrCat(args...));
}

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_LOG_H_
