#include "service/util/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "service/util/utf8.h"

namespace claimd::util {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<LogLevel> g_min_level{LogLevel::kInfo};

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      break;
  }
  return "error";
}

// True when text[i] starts a C1 control character (U+0080..U+009F) encoded as
// UTF-8: terminals may act on those as they do on ESC sequences.
bool IsUtf8C1At(absl::string_view text, size_t i) {
  return static_cast<unsigned char>(text[i]) == 0xC2 && i + 1 < text.size() &&
         static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
         static_cast<unsigned char>(text[i + 1]) <= 0x9F;
}

// A JSON string literal: quotes, backslashes and control characters (C0, DEL,
// C1) escaped; other bytes pass through when `text` is valid UTF-8. Otherwise
// (a peer's bytes in an error message, say) every non-ASCII byte becomes
// U+FFFD, so the line stays valid JSON.
void AppendJsonString(std::string& out, absl::string_view text) {
  const bool valid_utf8 = IsValidUtf8(text);
  out.push_back('"');
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<int>(c));
        } else if (valid_utf8 && IsUtf8C1At(text, i)) {
          absl::StrAppendFormat(&out, "\\u%04x",
                                static_cast<unsigned char>(text[++i]));
        } else if (!valid_utf8 && static_cast<unsigned char>(c) >= 0x80) {
          out.append("\\ufffd");
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// The message of a text line: control characters (C0, DEL, C1) are written
// as escapes, so whatever a peer managed to put into a message (gRPC quotes
// raw header values in its errors) can neither end the line and forge
// another one nor send escape sequences to a terminal. Text that is not valid
// UTF-8 has every byte from 0x80 up escaped as well (a lone 0x9B is CSI to an
// 8-bit terminal).
void AppendTextMessage(std::string& out, absl::string_view text) {
  const bool valid_utf8 = IsValidUtf8(text);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F ||
               (!valid_utf8 && static_cast<unsigned char>(c) >= 0x80)) {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<unsigned char>(c));
    } else if (IsUtf8C1At(text, i)) {
      absl::StrAppendFormat(&out, "\\u%04x",
                            static_cast<unsigned char>(text[++i]));
    } else {
      out.push_back(c);
    }
  }
}

// Text values are quoted (JSON-style) only when they would not read as one
// word, so a line stays one line and splits unambiguously.
void AppendTextValue(std::string& out, absl::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' ||
        static_cast<unsigned char>(c) < 0x20 || c == 0x7F ||
        static_cast<unsigned char>(c) == 0xC2) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out.append(value.data(), value.size());
  } else {
    AppendJsonString(out, value);
  }
}

}  // namespace

void ConfigureLogging(LogFormat format, LogLevel min_level) {
  g_format.store(format);
  g_min_level.store(min_level);
}

bool LogEnabled(LogLevel level) { return level >= g_min_level.load(); }

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                         LogLevel::kError}) {
    if (absl::EqualsIgnoreCase(name, LevelName(level))) return level;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown log level \"", name, "\": use debug, info, warning or error"));
}

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name) {
  if (absl::EqualsIgnoreCase(name, "text")) return LogFormat::kText;
  if (absl::EqualsIgnoreCase(name, "json")) return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format \"", name, "\": use text or json"));
}

std::string FormatLogLine(LogFormat format, LogLevel level, absl::Time time,
                          absl::string_view message,
                          std::initializer_list<LogField> fields) {
  const std::string ts =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  std::string line;
  if (format == LogFormat::kJson) {
    absl::StrAppend(&line, "{\"ts\":\"", ts, "\",\"level\":\"",
                    LevelName(level), "\",\"msg\":");
    AppendJsonString(line, message);
    for (const LogField& field : fields) {
      line.push_back(',');
      AppendJsonString(line, field.key);
      line.push_back(':');
      AppendJsonString(line, field.value);
    }
    line.append("}\n");
    return line;
  }
  const char letter = absl::ascii_toupper(LevelName(level)[0]);
  absl::StrAppend(&line, ts, " claimd ", absl::string_view(&letter, 1), " ");
  AppendTextMessage(line, message);
  for (const LogField& field : fields) {
    absl::StrAppend(&line, " ", field.key, "=");
    AppendTextValue(line, field.value);
  }
  line.push_back('\n');
  return line;
}

void Log(LogLevel level, absl::string_view message) {
  LogWithFields(level, message, {});
}

void LogWithFields(LogLevel level, absl::string_view message,
                   std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  std::string line =
      FormatLogLine(g_format.load(), level, absl::Now(), message, fields);
  // One fwrite per line: stdio locks the stream, so concurrent lines do not
  // interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace claimd::util
