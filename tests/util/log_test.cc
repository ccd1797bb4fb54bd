// The log line formats: text (as before, plus key=value fields) and JSON (one
// object per line, every string escaped), and the level and format names.
#include "service/util/log.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::util {
namespace {

using ::claimd::testing::StatusIs;

const absl::Time kTime =
    absl::FromUnixMillis(1795766400123);  // 2026-11-27 08:00

TEST(LogLine, TextWithoutFieldsKeepsTheClassicForm) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, LogLevel::kWarning, kTime,
                          "store commit failed", {}),
            "2026-11-27T08:00:00.123Z claimd W store commit failed\n");
}

TEST(LogLine, TextFieldsAreKeyValueAndQuotedOnlyWhenNeeded) {
  EXPECT_EQ(
      FormatLogLine(LogFormat::kText, LogLevel::kDebug, kTime, "call finished",
                    {{"request_id", "ab12"},
                     {"error", "two words"},
                     {"empty", ""},
                     {"line", "a\nb"}}),
      "2026-11-27T08:00:00.123Z claimd D call finished request_id=ab12 "
      "error=\"two words\" empty=\"\" line=\"a\\nb\"\n");
}

// A peer's bytes quoted in a message (gRPC's errors quote raw header values)
// must not end the line and start a forged one, nor reach a terminal as an
// escape sequence.
TEST(LogLine, TextMessageEscapesControlCharactersSoNoLineCanBeForged) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, LogLevel::kError, kTime,
                          "bad te: x\r\n2026-11-27T08:00:00.000Z claimd I "
                          "FORGED\x1b[2J\x7f\t",
                          {}),
            "2026-11-27T08:00:00.123Z claimd E bad te: x\\r\\n"
            "2026-11-27T08:00:00.000Z claimd I FORGED\\x1b[2J\\x7f\\x09\n");
}

TEST(LogLine, TextMessageEscapesC1ControlsAndLoneHighBytes) {
  // U+009B (CSI) in UTF-8, then a lone 0x9B, which makes the text invalid
  // UTF-8 so every high byte is escaped.
  EXPECT_EQ(FormatLogLine(LogFormat::kText, LogLevel::kInfo, kTime,
                          "a\xc2\x9b"
                          "b \xc3\xa9",
                          {}),
            "2026-11-27T08:00:00.123Z claimd I a\\u009bb \xc3\xa9\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, LogLevel::kInfo, kTime,
                          "a\x9b"
                          "b",
                          {}),
            "2026-11-27T08:00:00.123Z claimd I a\\x9bb\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, LogLevel::kInfo, kTime, "m",
                          {{"v", "x\xc2\x9by"}}),
            "2026-11-27T08:00:00.123Z claimd I m v=\"x\\u009by\"\n");
}

TEST(LogLine, JsonIsOneObjectWithEveryStringEscaped) {
  EXPECT_EQ(
      FormatLogLine(LogFormat::kJson, LogLevel::kInfo, kTime,
                    "say \"hi\"\\\n\t\x01",
                    {{"request_id", "r-1"}, {"k\"ey", "v\xc3\xa9"}}),
      "{\"ts\":\"2026-11-27T08:00:00.123Z\",\"level\":\"info\","
      "\"msg\":\"say \\\"hi\\\"\\\\\\n\\t\\u0001\",\"request_id\":\"r-1\","
      "\"k\\\"ey\":\"v\xc3\xa9\"}\n");
}

TEST(LogLine, JsonStaysValidWithBytesThatAreNotUtf8) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, LogLevel::kInfo, kTime,
                          "bad \xff\xc3 end", {{"peer", "\xc3\xa9\xfe"}}),
            "{\"ts\":\"2026-11-27T08:00:00.123Z\",\"level\":\"info\","
            "\"msg\":\"bad \\ufffd\\ufffd end\","
            "\"peer\":\"\\ufffd\\ufffd\\ufffd\"}\n");
}

TEST(LogLine, JsonLevelNames) {
  EXPECT_THAT(FormatLogLine(LogFormat::kJson, LogLevel::kError, kTime, "x", {}),
              ::testing::HasSubstr("\"level\":\"error\""));
  EXPECT_THAT(
      FormatLogLine(LogFormat::kJson, LogLevel::kWarning, kTime, "x", {}),
      ::testing::HasSubstr("\"level\":\"warning\""));
}

TEST(LogNames, ParseLevelAndFormatIgnoringCase) {
  EXPECT_EQ(*ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_EQ(*ParseLogFormat("Json"), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
}

TEST(LogNames, UnknownNamesListTheAcceptedOnes) {
  EXPECT_THAT(ParseLogLevel("verbose").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("debug, info, warning or error")));
  EXPECT_THAT(ParseLogFormat("yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("text or json")));
}

TEST(LogLevelFilter, LinesBelowTheMinimumAreDisabled) {
  ConfigureLogging(LogFormat::kText, LogLevel::kWarning);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarning));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  ConfigureLogging(LogFormat::kText, LogLevel::kInfo);
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
  EXPECT_TRUE(LogEnabled(LogLevel::kInfo));
}

}  // namespace
}  // namespace claimd::util
