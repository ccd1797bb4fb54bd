#include "gtest/gtest.h"
TEST(FilterPlaceholder, Builds) {}
