// The JSON reader of the import formats (json_value.h): values with their
// positions, errors that name line, column and what was expected, and
// recovery after a broken document.
#include "client/formats/json_value.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::client {
namespace {

using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

TEST(JsonReader, ReadsValuesWithTheirPositionsAndKeyOrder) {
  JsonReader reader(
      "\n  {\"b\": [1, -2.5e1, \"x\"],\n \"a\": {\"t\": true, "
      "\"n\": null}}");
  absl::StatusOr<JsonValue> value = reader.Next();
  ASSERT_OK(value.status());
  EXPECT_EQ(value->line, 2);
  EXPECT_EQ(value->column, 3);
  ASSERT_EQ(value->members.size(), 2u);
  EXPECT_EQ(value->members[0].first, "b");
  const JsonValue* b = value->Find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->items.size(), 3u);
  EXPECT_EQ(b->items[1].number, -25);
  EXPECT_EQ(b->items[1].text, "-2.5e1");
  EXPECT_EQ(value->Find("a")->line, 3);
  EXPECT_TRUE(value->Find("a")->Find("t")->boolean);
  EXPECT_EQ(value->Find("missing"), nullptr);
  EXPECT_TRUE(reader.AtEnd());
}

TEST(JsonReader, DecodesEscapesAndRepairsInvalidUtf8) {
  JsonReader reader(
      R"(["caf\u00e9 \ud83d\ude00 \"q\" \/ \t", "lone \ud800!", "bad )"
      "\xff\"]");
  absl::StatusOr<JsonValue> value = reader.Next();
  ASSERT_OK(value.status());
  EXPECT_EQ(value->items[0].text, "café 😀 \"q\" / \t");
  EXPECT_EQ(value->items[1].text, "lone \xEF\xBF\xBD!");
  EXPECT_EQ(value->items[2].text, "bad \xEF\xBF\xBD");
}

TEST(JsonReader, AStrayHighSurrogateBeforeAPairIsOneReplacement) {
  JsonReader reader(
      R"(["a \ud83d\ud83d\ude00 b", "\ud83d\u0041", "\ud83d\ude00\ude00"])");
  absl::StatusOr<JsonValue> value = reader.Next();
  ASSERT_OK(value.status());
  EXPECT_EQ(value->items[0].text, "a \xEF\xBF\xBD😀 b");
  EXPECT_EQ(value->items[1].text,
            "\xEF\xBF\xBD"
            "A");
  EXPECT_EQ(value->items[2].text, "😀\xEF\xBF\xBD");
}

TEST(JsonReader, ErrorsNameLineColumnAndWhatWasExpected) {
  JsonReader missing_comma("{\n  \"a\": 1\n  \"b\": 2\n}");
  EXPECT_THAT(missing_comma.Next(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "line 3, column 3: expected ',' or '}', found '\"'"));
  JsonReader truncated("[{\"a\": \"open");
  EXPECT_THAT(truncated.Next(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected '\"' to close the string, found "
                                 "the end of the input")));
  JsonReader binary("\x01\x02");
  EXPECT_THAT(binary.Next(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 1, column 1: expected a JSON value")));
  JsonReader word("{\"a\": tru}");
  EXPECT_THAT(word.Next(), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("expected true, false or null")));
}

TEST(JsonReader, RefusesDeepNesting) {
  const std::string deep(kMaxJsonDepth + 10, '[');
  JsonReader reader(deep);
  EXPECT_THAT(reader.Next(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("nested deeper than")));
}

TEST(JsonReader, ReadsDocumentAfterDocumentAndSkipsBrokenOnes) {
  JsonReader reader(
      "{\"n\": 1}\n"
      "{\"n\": 2,\n"
      "{\"n\": 3}\n"
      "{\n  \"n\": 4\n  oops\n}\n"
      "[5]\n");
  ASSERT_EQ(reader.Next()->Find("n")->number, 1);
  EXPECT_FALSE(reader.Next().ok());
  EXPECT_EQ(reader.document_line(), 2);
  reader.SkipToNextDocument();
  absl::StatusOr<JsonValue> third = reader.Next();
  ASSERT_OK(third.status());
  EXPECT_EQ(third->Find("n")->number, 3);
  EXPECT_EQ(third->line, 3);
  EXPECT_FALSE(reader.Next().ok());
  reader.SkipToNextDocument();
  absl::StatusOr<JsonValue> fifth = reader.Next();
  ASSERT_OK(fifth.status());
  EXPECT_EQ(fifth->line, 8);
  EXPECT_TRUE(reader.AtEnd());
}

}  // namespace
}  // namespace claimd::client
