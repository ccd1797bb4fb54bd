// Minimal leveled logging to stderr, one line per message. Text by default:
//   2026-11-27T06:10:00.123Z claimd W store commit failed: disk I/O error
// or, after ConfigureLogging(LogFormat::kJson, ...), one JSON object per line:
//   {"ts":"2026-11-27T06:10:00.123Z","level":"warning","msg":"store commit..."}
// Structured fields (LogWithFields) follow the message as key=value in text
// and as extra members in JSON.
//
// Rule: claim statements, evidence text and credentials are never logged above
// kDebug (tests check that a statement never reaches the default log).
//
// Thread-safety: lines from concurrent threads never interleave;
// ConfigureLogging is meant for startup but is safe at any time.
#ifndef CLAIMD_SERVICE_UTIL_LOG_H_
#define CLAIMD_SERVICE_UTIL_LOG_H_

#include <initializer_list>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace claimd::util {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

// Lines below `min_level` are dropped. Defaults: kText, kInfo.
void ConfigureLogging(LogFormat format, LogLevel min_level);
bool LogEnabled(LogLevel level);

// "debug", "info", "warning", "error"; "text", "json". Errors:
// INVALID_ARGUMENT naming the accepted values.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name);

struct LogField {
  absl::string_view key;
  std::string value;
};

// The line (with its '\n') as Log writes it; pure, for tests.
std::string FormatLogLine(LogFormat format, LogLevel level, absl::Time time,
                          absl::string_view message,
                          std::initializer_list<LogField> fields);

void Log(LogLevel level, absl::string_view message);
void LogWithFields(LogLevel level, absl::string_view message,
                   std::initializer_list<LogField> fields);

template <typename... Args>
void LogDebug(const Args&... args) {
  if (LogEnabled(LogLevel::kDebug))
    Log(LogLevel::kDebug, absl::StrCat(args...));
}
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

}  // namespace claimd::util

#endif  // CLAIMD_SERVICE_UTIL_LOG_H_
