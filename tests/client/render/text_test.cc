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

TEST(Truncate, CountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth("caf\xc3\xa9"), 4u);
  EXPECT_EQ(Truncate("caf\xc3\xa9", 4), "caf\xc3\xa9");
  EXPECT_EQ(Truncate("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4),
            "\xc3\xa9...");
  EXPECT_EQ(Truncate("abcdef", 2), "...");
}

}  // namespace
}  // namespace claimd::client
