// What the framer holds for a connection between reads: its buffer shrinks back after a long
// message, and under memory pressure a held message is handed on as it is.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framing/syslog_framer.hpp"

namespace kinesyslog::framing {
namespace {

struct Delivered {
  std::string message;
  bool truncated;
  friend bool operator==(const Delivered&, const Delivered&) = default;
};

class Collect {
 public:
  explicit Collect(std::vector<Delivered>& into) : into_(into) {}
  void operator()(std::string_view message, bool truncated) { into_.push_back({std::string(message), truncated}); }

 private:
  std::vector<Delivered>& into_;
};

TEST(FramerMemory, BufferShrinksBackAfterALongMessageSplitAcrossReads) {
  SyslogFramer framer(65536);
  std::vector<Delivered> delivered;
  framer.feed(std::string(30000, 'a'), Collect(delivered));
  framer.feed(std::string(30000, 'b'), Collect(delivered));
  EXPECT_GE(framer.buffer_capacity(), 60000u);
  framer.feed("\n", Collect(delivered));
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].message.size(), 60000u);
  EXPECT_LE(framer.buffer_capacity(), SyslogFramer::kRetainedCapacity);
}

TEST(FramerMemory, OctetCountedBodySplitAcrossReadsAlsoGivesItsBufferBack) {
  SyslogFramer framer(65536);
  std::vector<Delivered> delivered;
  framer.feed("50000 " + std::string(20000, 'a'), Collect(delivered));
  framer.feed(std::string(30000, 'b'), Collect(delivered));
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_FALSE(delivered[0].truncated);
  EXPECT_LE(framer.buffer_capacity(), SyslogFramer::kRetainedCapacity);
}

TEST(FramerMemory, ShortSplitMessagesKeepTheirSmallBuffer) {
  SyslogFramer framer(65536);
  std::vector<Delivered> delivered;
  framer.feed("<13>first hal", Collect(delivered));
  framer.feed("f\n<13>second hal", Collect(delivered));
  const size_t capacity = framer.buffer_capacity();
  framer.feed("f\n", Collect(delivered));
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[1].message, "<13>second half");
  EXPECT_EQ(framer.buffer_capacity(), capacity);
}

TEST(FramerMemory, ReleasedLineIsDeliveredTruncatedAndItsRestDropped) {
  SyslogFramer framer(1024);
  std::vector<Delivered> delivered;
  framer.feed("<13>held", Collect(delivered));
  EXPECT_TRUE(framer.release_partial(Collect(delivered)));
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  EXPECT_EQ(framer.buffer_capacity(), std::string().capacity());
  framer.feed(" and its tail\n<13>next\n", Collect(delivered));
  EXPECT_EQ(delivered, (std::vector<Delivered>{{"<13>held", true}, {"<13>next", false}}));
  EXPECT_FALSE(framer.release_partial(Collect(delivered)));  // nothing held now
}

TEST(FramerMemory, ReleasedOctetCountedBodyKeepsTheFramingInStep) {
  SyslogFramer framer(1024);
  std::vector<Delivered> delivered;
  framer.feed("10 abcd", Collect(delivered));
  EXPECT_TRUE(framer.release_partial(Collect(delivered)));
  framer.feed("efghij5 hello", Collect(delivered));
  EXPECT_EQ(delivered, (std::vector<Delivered>{{"abcd", true}, {"hello", false}}));
}

TEST(FramerMemory, ReleasedOverLongOctetCountedBodyDropsItsWholeTail) {
  SyslogFramer framer(4);
  std::vector<Delivered> delivered;
  framer.feed("10 ab", Collect(delivered));
  EXPECT_TRUE(framer.release_partial(Collect(delivered)));
  framer.feed("cdefghij2 ok", Collect(delivered));
  EXPECT_EQ(delivered, (std::vector<Delivered>{{"ab", true}, {"ok", false}}));
}

TEST(FramerMemory, EachNewHeldMessageHasANewNumber) {
  SyslogFramer framer(1024);
  std::vector<Delivered> delivered;
  EXPECT_EQ(framer.partials_started(), 0u);
  framer.feed("<13>one", Collect(delivered));
  const uint64_t first = framer.partials_started();
  framer.feed(" more", Collect(delivered));
  EXPECT_EQ(framer.partials_started(), first);  // the same message, still held
  framer.feed("\n<13>two", Collect(delivered));
  EXPECT_GT(framer.partials_started(), first);
}

}  // namespace
}  // namespace kinesyslog::framing
