// RFC 6587 §3.4.2 non-transparent framing, and the fall-back from a LEN that is not a number.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framed_messages.hpp"

namespace kinesyslog::framing {
namespace {

using testing::cut;
using testing::Framed;
using testing::frame_whole;
using testing::whole;
using Messages = std::vector<Framed>;
using namespace std::string_view_literals;

TEST(NonTransparent, MessageEndsAtLineFeed) {
  EXPECT_EQ(frame_whole("<13>one\n<13>two\n", 100), (Messages{whole("<13>one"), whole("<13>two")}));
}

TEST(NonTransparent, MessageEndsAtNul) {
  EXPECT_EQ(frame_whole("<13>one\0<13>two\0"sv, 100), (Messages{whole("<13>one"), whole("<13>two")}));
}

TEST(NonTransparent, CrLfEndsOneMessage) {
  EXPECT_EQ(frame_whole("<13>one\r\n<13>two\r\n", 100), (Messages{whole("<13>one"), whole("<13>two")}));
}

TEST(NonTransparent, EmptyLinesAreNoMessages) {
  EXPECT_EQ(frame_whole("\n\n\r\n<13>one\n\n\n", 100), (Messages{whole("<13>one")}));
}

TEST(NonTransparent, SpacesInsideAndAtTheEndAreKept) {
  EXPECT_EQ(frame_whole(" a  b \n", 100), (Messages{whole(" a  b ")}));
}

TEST(NonTransparent, FramingIsDecidedPerMessage) {
  EXPECT_EQ(frame_whole("<1>line\n4 abcd<2>nul", 100), (Messages{whole("<1>line"), whole("abcd"), whole("<2>nul")}));
}

TEST(NonTransparent, OverLongLineIsTruncatedAndStreamResumesAtTheNextLine) {
  EXPECT_EQ(frame_whole("0123456789abc\n3 xyz\nshort\n", 8),
            (Messages{cut("01234567"), whole("xyz"), whole("short")}));
}

TEST(NonTransparent, LineOfExactlyTheMaximumIsNotTruncated) {
  EXPECT_EQ(frame_whole("abcdef\nabcdefg\n", 6), (Messages{whole("abcdef"), cut("abcdef")}));
}

TEST(NonTransparent, OverLongLineSplitAcrossFeedsIsTruncatedOnce) {
  SyslogFramer framer{4};
  Messages messages;
  for (std::string_view piece : {"ab", "cd", "ef", "gh\nij", "\n"}) framer.feed(piece, testing::CollectInto{&messages});
  EXPECT_EQ(messages, (Messages{cut("abcd"), whole("ij")}));
}

TEST(NonTransparent, ClosedMidLineDeliversTheLine) {
  EXPECT_EQ(frame_whole("<13>one\n<13>tw", 100), (Messages{whole("<13>one"), whole("<13>tw")}));
}

TEST(NonTransparent, NothingIsDeliveredBeforeTheTerminatorOrClose) {
  EXPECT_EQ(frame_whole("<13>one\n<13>tw", 100, /*close=*/false), (Messages{whole("<13>one")}));
}

TEST(LengthFallback, NonDigitBeforeSpaceMakesANonTransparentMessage) {
  EXPECT_EQ(frame_whole("2015-08-05 boot\n", 100), (Messages{whole("2015-08-05 boot")}));
}

TEST(LengthFallback, TerminatorRightAfterDigitsMakesADigitsOnlyMessage) {
  EXPECT_EQ(frame_whole("12345\n3 abc", 100), (Messages{whole("12345"), whole("abc")}));
}

TEST(LengthFallback, MoreThanTenDigitsIsNotALength) {
  EXPECT_EQ(frame_whole("12345678901 x\n", 100), (Messages{whole("12345678901 x")}));
}

TEST(LengthFallback, DigitsLongerThanTheMaximumAreTruncated) {
  EXPECT_EQ(frame_whole("1234567x\n2 ok", 4), (Messages{cut("1234"), whole("ok")}));
}

TEST(LengthFallback, DigitsAtCloseAreDeliveredAsAMessage) {
  EXPECT_EQ(frame_whole("3 abc42", 100), (Messages{whole("abc"), whole("42")}));
}

TEST(Framer, RejectsAZeroMaximum) {
  EXPECT_THROW(SyslogFramer{0}, std::invalid_argument);
}

}  // namespace
}  // namespace kinesyslog::framing
