#include "client/render/progress_bar.h"

#include <sstream>

#include "gtest/gtest.h"

namespace claimd::client {
namespace {

TEST(ProgressText, FillsTheBarInProportion) {
  // Exactly `width` columns: 22 for the bar, half of it filled.
  EXPECT_EQ(ProgressText(5, 10, 36), "[###########...........]  5/10 lines");
  EXPECT_EQ(ProgressText(0, 0, 26), "[#############]  0/0 lines");
  EXPECT_EQ(ProgressText(3, 10, 12), "3/10 lines");  // too narrow for a bar
}

TEST(ProgressBar, WritesNothingWhenDisabled) {
  std::ostringstream err;
  ProgressBar bar(&err, /*enabled=*/false, 10, 80);
  bar.Update(5);
  bar.Clear();
  bar.Finish();
  EXPECT_EQ(err.str(), "");
}

TEST(ProgressBar, DrawsOnOneLineAndErasesItself) {
  std::ostringstream err;
  ProgressBar bar(&err, /*enabled=*/true, 2, 30);
  bar.Update(0);
  EXPECT_EQ(err.str(), "\r[................]  0/2 lines");
  bar.Finish();
  EXPECT_EQ(err.str(),
            "\r[................]  0/2 lines\r" + std::string(29, ' ') + "\r");
}

}  // namespace
}  // namespace claimd::client
