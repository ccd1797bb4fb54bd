// Unit tests for IsValidUtf8 (service/util/utf8.h): well-formed sequences of
// every length are accepted; overlong forms, surrogates, code points above
// U+10FFFF, stray continuation bytes and truncated sequences are rejected.
#include "service/util/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace claimd::util {
namespace {

TEST(IsValidUtf8, AcceptsEmpty) { EXPECT_TRUE(IsValidUtf8("")); }

TEST(IsValidUtf8, AcceptsAscii) {
  EXPECT_TRUE(IsValidUtf8("The minister resigned.\n\t~"));
}

TEST(IsValidUtf8, AcceptsNulBytes) {
  EXPECT_TRUE(IsValidUtf8(absl::string_view("a\0b", 3)));
}

TEST(IsValidUtf8, AcceptsValidMultiByteSequences) {
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9"));          // U+00E9 é
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));      // U+20AC €
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_TRUE(
      IsValidUtf8("Pr\xc3\xa9sident \xe2\x82\xac"
                  "5 \xf0\x9f\x98\x80!"));
}

TEST(IsValidUtf8, AcceptsTheBoundariesOfEachLength) {
  EXPECT_TRUE(IsValidUtf8("\x7f"));              // U+007F
  EXPECT_TRUE(IsValidUtf8("\xc2\x80"));          // U+0080
  EXPECT_TRUE(IsValidUtf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xe0\xa0\x80"));      // U+0800
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));      // U+D7FF, below surrogates
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));      // U+E000, above surrogates
  EXPECT_TRUE(IsValidUtf8("\xef\xbf\xbf"));      // U+FFFF
  EXPECT_TRUE(IsValidUtf8("\xf0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(IsValidUtf8, RejectsOverlongForms) {
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // U+0000 in two bytes
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // '/' in two bytes
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));          // U+007F in two bytes
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // '/' in three bytes
  EXPECT_FALSE(IsValidUtf8("\xe0\x9f\xbf"));      // U+07FF in three bytes
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));  // '/' in four bytes
  EXPECT_FALSE(IsValidUtf8("\xf0\x8f\xbf\xbf"));  // U+FFFF in four bytes
}

TEST(IsValidUtf8, RejectsSurrogates) {
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // U+D800
  EXPECT_FALSE(IsValidUtf8("\xed\xaf\xbf"));  // U+DBFF
  EXPECT_FALSE(IsValidUtf8("\xed\xb0\x80"));  // U+DC00
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));  // U+DFFF
  // A CESU-8 surrogate pair for U+1F600.
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\xbd\xed\xb8\x80"));
}

TEST(IsValidUtf8, RejectsCodePointsAboveU10FFFF) {
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xf7\xbf\xbf\xbf"));  // U+1FFFFF
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
}

TEST(IsValidUtf8, RejectsBytesThatNeverStartASequence) {
  EXPECT_FALSE(IsValidUtf8("\x80"));  // lone continuation byte
  EXPECT_FALSE(IsValidUtf8("a\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));  // old five-byte form
  EXPECT_FALSE(IsValidUtf8("\xfc\x84\x80\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xfe"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(IsValidUtf8, RejectsTruncatedSequencesAtTheEnd) {
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xf0\x9f\x98"));
  EXPECT_FALSE(IsValidUtf8("ok\xf0"));
}

TEST(IsValidUtf8, RejectsTruncatedSequencesInTheMiddle) {
  EXPECT_FALSE(
      IsValidUtf8("\xc3"
                  "a"));
  EXPECT_FALSE(
      IsValidUtf8("\xe2\x82"
                  "a"));
  EXPECT_FALSE(
      IsValidUtf8("\xf0\x9f\x98"
                  "a"));
  EXPECT_FALSE(IsValidUtf8("\xe2\xc3\xa9"));  // a new lead byte interrupts
}

TEST(IsValidUtf8, ChecksEveryCharacterNotJustTheFirst) {
  EXPECT_FALSE(IsValidUtf8("\xc3\xa9\xc3\xa9\xc3\xa9\xed\xa0\x80"));
  EXPECT_FALSE(IsValidUtf8(std::string(1000, 'a') + "\xff"));
}

TEST(IsValidUtf8, TruncationIsCheckedAgainstTheViewNotTheBuffer) {
  // The view ends inside a sequence whose remaining bytes are in memory.
  const char buffer[] = "\xe2\x82\xac";
  EXPECT_FALSE(IsValidUtf8(absl::string_view(buffer, 2)));
  EXPECT_TRUE(IsValidUtf8(absl::string_view(buffer, 3)));
}

}  // namespace
}  // namespace claimd::util
