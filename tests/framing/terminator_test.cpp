// The word-at-a-time terminator scan must find exactly the first LF, CR or NUL.
#include "framing/terminator.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kinesyslog::framing {
namespace {

TEST(TerminatorScan, FindsEachTerminatorAtEveryPositionAmongHighBytes) {
  // Bytes 0x80..0xFF and neighbours of the terminators are where word tricks go wrong.
  constexpr char kNeighbours[] = {'\x01', '\x09', '\x0B', '\x0C', '\x0E', '\x7F', '\x80', '\x8A', '\x8D', '\xFF', 'a'};
  for (char terminator : {'\n', '\r', '\0'}) {
    for (size_t length = 1; length <= 40; ++length) {
      for (size_t position = 0; position < length; ++position) {
        std::string text(length, '\0');
        for (size_t i = 0; i < length; ++i) text[i] = kNeighbours[i % sizeof kNeighbours];
        text[position] = terminator;
        ASSERT_EQ(find_terminator(text.data(), text.data() + text.size()), text.data() + position)
            << "length " << length << " position " << position;
      }
    }
  }
}

TEST(TerminatorScan, ReturnsEndWhenThereIsNone) {
  const std::string text(37, static_cast<char>(0x8A));
  EXPECT_EQ(find_terminator(text.data(), text.data() + text.size()), text.data() + text.size());
}

}  // namespace
}  // namespace kinesyslog::framing
