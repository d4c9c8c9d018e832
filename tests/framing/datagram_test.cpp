// docs/behaviour.md §2.2 UDP: one datagram holds one or more messages separated by LF.
#include "framing/datagram.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framed_messages.hpp"

namespace kinesyslog::framing {
namespace {

using testing::cut;
using testing::Framed;
using testing::whole;
using Messages = std::vector<Framed>;
using namespace std::string_view_literals;

Messages split(std::string_view datagram, size_t max = 100) {
  Messages messages;
  split_datagram(datagram, max, testing::CollectInto{&messages});
  return messages;
}

TEST(Datagram, OneMessageWithoutTerminator) {
  EXPECT_EQ(split("<13>hello"), (Messages{whole("<13>hello")}));
}

TEST(Datagram, TrailingLineFeedIsDropped) {
  EXPECT_EQ(split("<13>hello\n"), (Messages{whole("<13>hello")}));
}

TEST(Datagram, TrailingCrLfAndNulAreDropped) {
  EXPECT_EQ(split("<13>a\r\n<13>b\0"sv), (Messages{whole("<13>a"), whole("<13>b")}));
}

TEST(Datagram, SeveralMessagesSeparatedByLineFeed) {
  EXPECT_EQ(split("<13>one\n<13>two\n<13>three"), (Messages{whole("<13>one"), whole("<13>two"), whole("<13>three")}));
}

TEST(Datagram, EmptyPiecesAreNoMessages) {
  EXPECT_EQ(split("\n\n<13>one\n\r\n\n"), (Messages{whole("<13>one")}));
  EXPECT_EQ(split(""), Messages{});
}

TEST(Datagram, InnerCrAndNulAndLeadingDigitsAreKept) {
  // Only LF separates messages in a datagram; octet counting is a stream framing.
  EXPECT_EQ(split("12 a\rb\0c  "sv), (Messages{whole(std::string("12 a\rb\0c  "sv))}));
}

TEST(Datagram, OverLongMessageIsTruncatedAndTheNextIsKept) {
  EXPECT_EQ(split("0123456789\nabc\n", 4), (Messages{cut("0123"), whole("abc")}));
}

TEST(Datagram, MessageOfExactlyTheMaximumIsNotTruncated) {
  EXPECT_EQ(split("abcd\r\n", 4), (Messages{whole("abcd")}));
}

TEST(Datagram, ViewsPointIntoTheDatagram) {
  const std::string datagram = "a\nbc";
  std::vector<const char*> starts;
  split_datagram(datagram, 10, [&](std::string_view message, bool) { starts.push_back(message.data()); });
  EXPECT_EQ(starts, (std::vector<const char*>{datagram.data(), datagram.data() + 2}));
}

}  // namespace
}  // namespace kinesyslog::framing
