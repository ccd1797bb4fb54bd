#include "client/render/text.h"

#include "gtest/gtest.h"

namespace claimd::client {
namespace {

TEST(TextTable, PadsColumnsButNotTheLast) {
  TextTable table({"ID", "STATEMENT"});
  table.AddRow({"abc", "short"});
  table.AddRow({"a", "longer statement"});
  EXPECT_EQ(table.Render(0),
            "ID    STATEMENT\n"
            "abc   short\n"
            "a     longer statement\n");
}

TEST(TextTable, TruncatesTheLastColumnToTheWidth) {
  TextTable table({"ID", "STATEMENT"});
  table.AddRow({"abc", "a statement much longer than the terminal"});
  // "abc   " takes 6 columns, leaving 14 of 20.
  EXPECT_EQ(table.Render(20),
            "ID    STATEMENT\n"
            "abc   a statement...\n");
}

TEST(TextTable, KeepsAtLeastTenColumnsForTheLast) {
  TextTable table({"ID", "STATEMENT"});
  table.AddRow({"abc", "a statement much longer than the terminal"});
  EXPECT_EQ(table.Render(5),
            "ID    STATEMENT\n"
            "abc   a state...\n");
}

TEST(TextTable, PadsColouredCellsByTheirVisibleText) {
  TextTable table({"STATUS", "ID"});
  table.AddRow({Cell("DENIED", Colored("DENIED", kRed, true)), "x"});
  EXPECT_EQ(table.Render(0),
            "STATUS   ID\n"
            "\033[31mDENIED\033[0m   x\n");
}

TEST(Sanitize, ReplacesControlCharacters) {
  EXPECT_EQ(Sanitize("a\nb\tc\033[31md\x7f"), "a b c [31md ");
  EXPECT_EQ(Sanitize("a\nb", /*keep_newlines=*/true), "a\nb");
  EXPECT_EQ(Sanitize("x\xc2\x9by"), "x y");  // C1 CSI
  EXPECT_EQ(Sanitize("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(PrefixColumns, CutsWideCharactersWhole) {
  // 世 and 界 take two columns each: three columns hold only the first.
  EXPECT_EQ(PrefixColumns("\xe4\xb8\x96\xe7\x95\x8c"
                          "abc",
                          3),
            "\xe4\xb8\x96");
  EXPECT_EQ(PrefixColumns("\xe4\xb8\x96\xe7\x95\x8c"
                          "abc",
                          5),
            "\xe4\xb8\x96\xe7\x95\x8c"
            "a");
  EXPECT_EQ(PrefixColumns("abc", 10), "abc");
  EXPECT_EQ(PrefixColumns("abc", 0), "");
}

TEST(Truncate, CountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth("caf\xc3\xa9"), 4u);
  EXPECT_EQ(Truncate("caf\xc3\xa9", 4), "caf\xc3\xa9");
  EXPECT_EQ(Truncate("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4),
            "\xc3\xa9...");
  EXPECT_EQ(Truncate("abcdef", 2), "...");
}

}  // namespace
}  // namespace claimd::client

namespace claimd::client {
namespace {

TEST(DisplayWidth, CountsTerminalColumnsAsWcwidthDoes) {
  EXPECT_EQ(DisplayWidth("\xe9\x8c\xaf\xe8\xaa\xa4"), 4u);  // 錯誤: wide
  EXPECT_EQ(DisplayWidth("\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"),
            6u);                                    // テスト
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);         // e + combining acute
  EXPECT_EQ(DisplayWidth("\xf0\x9f\x98\x80"), 2u);  // an emoji
  EXPECT_EQ(DisplayWidth("\xff"), 1u);  // not UTF-8: one column each
}

TEST(Truncate, NeverSplitsAWideCharacterAcrossTheLimit) {
  // 錯誤證據 is 8 columns; 6 allowed: 錯 (2) fits in 3, 誤 would not.
  EXPECT_EQ(Truncate("\xe9\x8c\xaf\xe8\xaa\xa4\xe8\xad\x89\xe6\x93\x9a", 6),
            "\xe9\x8c\xaf...");
}

// The misleading bidirectional literals are the input under test.
// NOLINTBEGIN(misc-misleading-bidirectional)
TEST(Sanitize, ReplacesBidiOverridesAndZeroWidthCharacters) {
  EXPECT_EQ(Sanitize("a\xe2\x80\xae"
                     "b"),
            "a b");  // U+202E RLO
  EXPECT_EQ(Sanitize("a\xe2\x81\xa6"
                     "b"),
            "a b");  // U+2066 LRI
  EXPECT_EQ(Sanitize("a\xe2\x80\x8b"
                     "b"),
            "a b");  // U+200B ZWSP
  EXPECT_EQ(Sanitize("a\xef\xbb\xbf"
                     "b"),
            "a b");  // U+FEFF
  EXPECT_EQ(Sanitize("a\xe2\x80\x94"
                     "b"),
            "a\xe2\x80\x94"
            "b");  // em dash
}
// NOLINTEND(misc-misleading-bidirectional)

}  // namespace
}  // namespace claimd::client
