// Stream reads end anywhere: a frame split across feeds at any byte must frame exactly as if
// the whole stream had arrived in one read.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "framed_messages.hpp"
#include "reference_framing.hpp"

namespace kinesyslog::framing {
namespace {

using testing::cut;
using testing::Framed;
using testing::frame_byte_by_byte;
using testing::frame_in_pieces;
using testing::frame_whole;
using testing::whole;
using Messages = std::vector<Framed>;
using namespace std::string_view_literals;

constexpr size_t kSplitFeedMax = 24;

// Every framing and edge in one stream, each kind next to each other kind.
const std::string kMixedStream{
    "24 <34>1 octet counted, ok\n"       // octet-counted (its body ends in LF)
    "<13>line feed\n"                     // LF
    "<13>nul ended\0"                     // NUL
    "<13>crlf ended\r\n"                  // CRLF
    "0 "                                  // empty frame
    "2015-08-05 fallback\n"               // digits then a non-digit: non-transparent
    "30 012345678901234567890123456789"   // octet-counted over the maximum...
    "0 "                                  // ...an empty frame right after its discarded tail
    "<13>a line well over the maximum\n"  // non-transparent over the maximum
    "123\n"                               // digits then a terminator
    "5 \n\n\n\n\n"                          // a body made only of terminators
    "3 end"sv};                           // closed without a terminator

const Messages kMixedExpected = {
    whole("<34>1 octet counted, ok\n"), whole("<13>line feed"), whole("<13>nul ended"), whole("<13>crlf ended"),
    whole("2015-08-05 fallback"), cut("012345678901234567890123"), cut("<13>a line well over the"),
    whole("123"), whole("\n\n\n\n\n"), whole("end"),
};

TEST(SplitFeeds, MixedStreamInOneFeedFramesAsSpecified) {
  EXPECT_EQ(frame_whole(kMixedStream, kSplitFeedMax), kMixedExpected);
}

TEST(SplitFeeds, FrameSplitAtEveryByte) {
  for (size_t offset = 0; offset <= kMixedStream.size(); ++offset) {
    ASSERT_EQ(frame_in_pieces(kMixedStream, kSplitFeedMax, {offset}), kMixedExpected) << "split at " << offset;
  }
}

TEST(SplitFeeds, FrameSplitAtEveryPairOfBytes) {
  for (size_t first = 0; first <= kMixedStream.size(); ++first) {
    for (size_t second = first; second <= kMixedStream.size(); ++second) {
      ASSERT_EQ(frame_in_pieces(kMixedStream, kSplitFeedMax, {first, second}), kMixedExpected)
          << "split at " << first << " and " << second;
    }
  }
}

TEST(SplitFeeds, OneByteFeedsGiveTheSameMessages) {
  EXPECT_EQ(frame_byte_by_byte(kMixedStream, kSplitFeedMax), kMixedExpected);
}

TEST(SplitFeeds, EveryMaximumFromOneByteUpMatchesTheReference) {
  for (size_t max = 1; max <= 40; ++max) {
    const Messages expected = testing::reference_framing(kMixedStream, max);
    ASSERT_EQ(frame_whole(kMixedStream, max), expected) << "max " << max;
    ASSERT_EQ(frame_byte_by_byte(kMixedStream, max), expected) << "max " << max;
  }
}

// Random streams built from frame-like pieces, cut at random places, against the plain model.
std::string random_stream(std::mt19937& random) {
  static const std::vector<std::string> kPieces = {
      "5 hello", "0 ", "3 a\nb", "12 ", "99999 ", "12345678901 ", "007 ", "<13>msg", "\n", "\r\n",
      std::string(1, '\0'), " ", "x", "2015-", "1", "9", "<34>1 2015-08-05T21:58:59Z host app - - - text",
  };
  std::string stream;
  const size_t pieces = std::uniform_int_distribution<size_t>{0, 30}(random);
  for (size_t i = 0; i < pieces; ++i) stream += kPieces[std::uniform_int_distribution<size_t>{0, kPieces.size() - 1}(random)];
  return stream;
}

TEST(SplitFeeds, RandomStreamsAndCutsMatchTheReference) {
  std::mt19937 random{20240521};
  for (int round = 0; round < 3000; ++round) {
    const std::string stream = random_stream(random);
    const size_t max = std::uniform_int_distribution<size_t>{1, 20}(random);
    std::vector<size_t> cuts;
    for (size_t offset = 1; offset < stream.size(); ++offset) {
      if (std::uniform_int_distribution<int>{0, 3}(random) == 0) cuts.push_back(offset);
    }
    ASSERT_EQ(frame_in_pieces(stream, max, cuts), testing::reference_framing(stream, max))
        << "round " << round << " max " << max << " stream size " << stream.size();
  }
}

}  // namespace
}  // namespace kinesyslog::framing
