// RFC 6587 §3.4.1 / RFC 5425 §4.3 octet counting: `LEN SP MSG`.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "framed_messages.hpp"
#include "framing/syslog_framer.hpp"

namespace kinesyslog::framing {
namespace {

using testing::cut;
using testing::Framed;
using testing::frame_whole;
using testing::whole;
using Messages = std::vector<Framed>;
using namespace std::string_view_literals;

TEST(OctetCounting, DeliversExactlyLenBytes) {
  EXPECT_EQ(frame_whole("5 hello3 abc", 100), (Messages{whole("hello"), whole("abc")}));
}

TEST(OctetCounting, BodyMayHoldTerminatorsAndSpaces) {
  EXPECT_EQ(frame_whole("8 a\nb\0c\r  "sv, 100), (Messages{whole(std::string("a\nb\0c\r  "sv))}));
}

TEST(OctetCounting, TerminatorsBetweenFramesAreSkipped) {
  EXPECT_EQ(frame_whole("\n3 abc\r\n\0\n3 def\n"sv, 100), (Messages{whole("abc"), whole("def")}));
}

TEST(OctetCounting, ZeroLengthFrameIsNoMessage) {
  EXPECT_EQ(frame_whole("0 0 3 abc0 ", 100), (Messages{whole("abc")}));
}

TEST(OctetCounting, ZeroLengthFramesAreCountedAsBadFrames) {
  SyslogFramer framer(100);
  size_t messages = 0;
  framer.feed("0 0 3 abc0", [&](std::string_view, bool) { ++messages; });
  framer.feed(" ", [&](std::string_view, bool) { ++messages; });  // the third "0 " split across feeds
  EXPECT_EQ(messages, 1u);
  EXPECT_EQ(framer.take_bad_frames(), 3u);
  EXPECT_EQ(framer.take_bad_frames(), 0u);  // taking resets the count
}

TEST(OctetCounting, LeadingZerosInLenAreAccepted) {
  EXPECT_EQ(frame_whole("003 abcx\n", 100), (Messages{whole("abc"), whole("x")}));
}

TEST(OctetCounting, TenDigitLenIsStillALength) {
  // 9,999,999,999 bytes announced: the first 8 kept, the rest (never sent) being discarded.
  EXPECT_EQ(frame_whole("9999999999 abcdefghijklmnop", 8), (Messages{cut("abcdefgh")}));
}

TEST(OctetCounting, HugeLenIsTruncatedAndTheRestDiscarded) {
  std::string stream = "20 " + std::string(20, 'x') + "3 abc";
  EXPECT_EQ(frame_whole(stream, 8), (Messages{cut(std::string(8, 'x')), whole("abc")}));
}

TEST(OctetCounting, OverLongFrameIsTruncatedAndStreamResumesAfterIt) {
  // The discarded tail looks like frames and terminators; none of it may leak out.
  std::string stream = "16 ABCDEF3 xyz\n2 ab4 next5 after";
  EXPECT_EQ(frame_whole(stream, 6), (Messages{cut("ABCDEF"), whole("next"), whole("after")}));
}

TEST(OctetCounting, FrameOfExactlyTheMaximumIsNotTruncated) {
  EXPECT_EQ(frame_whole("6 abcdef", 6), (Messages{whole("abcdef")}));
}

TEST(OctetCounting, DeliveredViewPointsIntoTheFedBytesWhenTheFrameIsWhole) {
  const std::string stream = "5 hello";
  SyslogFramer framer{100};
  const char* delivered = nullptr;
  framer.feed(stream, [&](std::string_view message, bool) { delivered = message.data(); });
  EXPECT_EQ(delivered, stream.data() + 2);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

TEST(OctetCounting, SplitFrameIsBufferedUntilComplete) {
  SyslogFramer framer{100};
  Messages messages;
  framer.feed("11 hello", testing::CollectInto{&messages});
  EXPECT_TRUE(messages.empty());
  EXPECT_EQ(framer.buffered_bytes(), 5u);
  framer.feed(" world", testing::CollectInto{&messages});
  EXPECT_EQ(messages, (Messages{whole("hello world")}));
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

TEST(OctetCounting, BufferNeverExceedsTheMaximum) {
  SyslogFramer framer{10};
  Messages messages;
  framer.feed("700 ", testing::CollectInto{&messages});
  for (int i = 0; i < 100; ++i) {
    framer.feed("0123456", testing::CollectInto{&messages});
    ASSERT_LE(framer.buffered_bytes(), 10u);
  }
  framer.feed("1 z", testing::CollectInto{&messages});
  EXPECT_EQ(messages, (Messages{cut("0123456012"), whole("z")}));
}

TEST(OctetCounting, ClosedShortOfLenDeliversWhatArrivedAsTruncated) {
  EXPECT_EQ(frame_whole("10 abc", 100), (Messages{cut("abc")}));
}

TEST(OctetCounting, ClosedRightAfterTheLengthDeliversNothing) {
  EXPECT_EQ(frame_whole("3 abc10 ", 100), (Messages{whole("abc")}));
}

TEST(OctetCounting, ClosedWhileDiscardingDeliversNothingMore) {
  EXPECT_EQ(frame_whole("100 abcdefgh", 4), (Messages{cut("abcd")}));
}

TEST(OctetCounting, FinishResetsForANewStream) {
  SyslogFramer framer{100};
  Messages messages;
  framer.feed("10 abc", testing::CollectInto{&messages});
  framer.finish(testing::CollectInto{&messages});
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  framer.feed("2 ok", testing::CollectInto{&messages});
  framer.finish(testing::CollectInto{&messages});
  EXPECT_EQ(messages, (Messages{cut("abc"), whole("ok")}));
}

}  // namespace
}  // namespace kinesyslog::framing
