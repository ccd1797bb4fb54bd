// Unit tests for core::EvidenceList: copies share the items, changing an item
// never shows through another list, and the list behaves as the vector it
// replaced (order, equality, prefixes, sizes).
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/claim.h"

namespace claimd::core {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

Evidence Item(const std::string& source) {
  return Evidence{.source = source, .url = "https://example.org/" + source};
}

TEST(EvidenceList, KeepsOrderAndIndexesLikeAVector) {
  EvidenceList list = {Item("a"), Item("b")};
  list.push_back(Item("c"));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_FALSE(list.empty());
  EXPECT_EQ(list.front().source, "a");
  EXPECT_EQ(list[1].source, "b");
  EXPECT_EQ(list.back().source, "c");
  EXPECT_THAT(list, ElementsAre(Field(&Evidence::source, "a"),
                                Field(&Evidence::source, "b"),
                                Field(&Evidence::source, "c")));
  EXPECT_EQ(list.end() - list.begin(), 3);
  EXPECT_EQ(list.begin()[2].source, "c");
  list.pop_back();
  EXPECT_EQ(list.size(), 2u);
  list.clear();
  EXPECT_TRUE(list.empty());
}

TEST(EvidenceList, ACopySharesTheItems) {
  EvidenceList list = {Item("a"), Item("b")};
  // The copy is the point of the test:
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
  const EvidenceList copy = list;
  for (size_t i = 0; i < list.size(); ++i) EXPECT_EQ(&copy[i], &list[i]);
  EXPECT_EQ(copy, list);
}

TEST(EvidenceList, AChangedItemIsPrivateToItsList) {
  EvidenceList list = {Item("a"), Item("b")};
  const EvidenceList copy = list;
  list.Mutable(0).source = "changed";
  EXPECT_EQ(list[0].source, "changed");
  EXPECT_EQ(copy[0].source, "a");
  EXPECT_EQ(&copy[1], &list[1]) << "the other item is still shared";
  EXPECT_NE(copy, list);

  // An item no other list holds is changed in place.
  const Evidence* before = &list[0];
  list.Mutable(0).note = "again";
  EXPECT_EQ(&list[0], before);
}

TEST(EvidenceList, AppendingToACopyLeavesTheOriginal) {
  EvidenceList list = {Item("a")};
  EvidenceList copy = list;
  copy.push_back(Item("b"));
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(copy.size(), 2u);
}

TEST(EvidenceList, EqualityComparesContentNotSharing) {
  const EvidenceList a = {Item("a"), Item("b")};
  const EvidenceList b = {Item("a"), Item("b")};
  EXPECT_EQ(a, b);
  EXPECT_NE(a, (EvidenceList{Item("a")}));
  EXPECT_NE(a, (EvidenceList{Item("b"), Item("a")}));
}

TEST(EvidenceList, APrefixSharesItsItems) {
  const EvidenceList list = {Item("a"), Item("b"), Item("c")};
  const EvidenceList prefix = list.Prefix(2);
  ASSERT_EQ(prefix.size(), 2u);
  EXPECT_EQ(&prefix[0], &list[0]);
  EXPECT_EQ(&prefix[1], &list[1]);
  EXPECT_EQ(list.Prefix(0).size(), 0u);
  EXPECT_EQ(list.Prefix(10), list);
}

TEST(EvidenceList, ResizeAndAssignBehaveAsAVectorDoes) {
  EvidenceList list;
  list.resize(3);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2], Evidence{});
  list.resize(1);
  EXPECT_EQ(list.size(), 1u);
  list.assign(4, Item("x"));
  ASSERT_EQ(list.size(), 4u);
  list.Mutable(3).source = "y";
  EXPECT_EQ(list[0].source, "x") << "assign's copies share one item";
  EXPECT_EQ(list[3].source, "y");
}

TEST(EvidenceList, ApproximateBytesCountsEveryItemWhole) {
  EvidenceList list;
  const size_t empty = list.ApproximateBytes();
  list.push_back(Evidence{.source = std::string(1000, 's')});
  const size_t one = list.ApproximateBytes();
  EXPECT_GE(one, empty + 1000 + sizeof(Evidence));
  const EvidenceList copy = list;  // shared, yet each list counts it
  EXPECT_EQ(copy.ApproximateBytes(), list.ApproximateBytes());
}

// Copies read on other threads while the original is changed and appended to:
// the copies keep what they had (run under TSan/ASan in CI's sanitizer pass).
TEST(EvidenceList, CopiesMayBeReadOnOtherThreadsWhileTheOriginalChanges) {
  EvidenceList list = {Item("a"), Item("b")};
  std::vector<EvidenceList> copies(4, list);
  std::vector<std::thread> readers;
  readers.reserve(copies.size());
  for (const EvidenceList& copy : copies) {
    readers.emplace_back([&copy] {
      for (int round = 0; round < 1000; ++round) {
        const EvidenceList again = copy;
        ASSERT_EQ(again.size(), 2u);
        ASSERT_EQ(again[0].source, "a");
      }
    });
  }
  for (int round = 0; round < 1000; ++round) {
    list.Mutable(0).source = "changed";
    list.push_back(Item("more"));
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(list[0].source, "changed");
  for (const EvidenceList& copy : copies) EXPECT_EQ(copy[0].source, "a");
}

}  // namespace
}  // namespace claimd::core
