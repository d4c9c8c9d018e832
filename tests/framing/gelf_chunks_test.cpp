// GELF 1.1 chunked UDP: reassembly in any order, duplicates, expiry, bad chunks, memory bound.
#include "framing/gelf_chunks.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace kinesyslog::framing {
namespace {

using namespace std::chrono_literals;

const IpAddress kSender = *IpAddress::parse("192.0.2.1");
const IpAddress kOtherSender = *IpAddress::parse("2001:db8::7");
constexpr uint16_t kPort = 40000;

// magic, 8-byte id, sequence number, sequence count, bytes.
std::string chunk(uint64_t message_id, unsigned sequence, unsigned count, std::string_view bytes) {
  std::string datagram{"\x1e\x0f"};
  for (int shift = 56; shift >= 0; shift -= 8) datagram.push_back(static_cast<char>(message_id >> shift));
  datagram.push_back(static_cast<char>(sequence));
  datagram.push_back(static_cast<char>(count));
  datagram.append(bytes);
  return datagram;
}

std::optional<std::string> copy(std::optional<std::string_view> payload) {
  if (!payload) return std::nullopt;
  return std::string{*payload};
}

class GelfChunks : public ::testing::Test {
 protected:
  std::optional<std::string> accept(std::string_view datagram, const IpAddress& sender = kSender,
                                    uint16_t port = kPort) {
    return copy(assembler.accept(datagram, sender, port, clock.steady_now()));
  }

  ManualClock clock;
  GelfChunkAssembler assembler{GelfChunkLimits{}, /*hash_seed=*/1};
};

TEST_F(GelfChunks, NonChunkDatagramPassesThroughUnchanged) {
  EXPECT_EQ(accept("{\"short_message\":\"hi\"}"), "{\"short_message\":\"hi\"}");
  EXPECT_EQ(accept("\x1f\x8b\x08 gzip"), "\x1f\x8b\x08 gzip");
  EXPECT_EQ(assembler.pending_messages(), 0u);
}

TEST_F(GelfChunks, InOrderChunksAreReassembled) {
  EXPECT_EQ(accept(chunk(7, 0, 3, "{\"a\":")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 1, 3, "\"bc")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 2, 3, "d\"}")), "{\"a\":\"bcd\"}");
  EXPECT_EQ(assembler.counters().reassembled, 1u);
  EXPECT_EQ(assembler.pending_messages(), 0u);
}

TEST_F(GelfChunks, OutOfOrderChunksAreReassembledInSequence) {
  EXPECT_EQ(accept(chunk(7, 2, 4, "C")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 0, 4, "A")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 3, 4, "D")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 1, 4, "B")), "ABCD");
}

TEST_F(GelfChunks, OneChunkMessageIsItsBytes) {
  EXPECT_EQ(accept(chunk(7, 0, 1, "{}")), "{}");
  EXPECT_EQ(assembler.counters().reassembled, 1u);
}

TEST_F(GelfChunks, AllOneHundredTwentyEightChunksAreReassembled) {
  std::string expected;
  for (unsigned sequence = 127; sequence > 0; --sequence) {
    EXPECT_EQ(accept(chunk(9, sequence, 128, std::string(1, static_cast<char>('0' + sequence % 10)))), std::nullopt);
  }
  for (unsigned sequence = 0; sequence < 128; ++sequence) expected.push_back(static_cast<char>('0' + sequence % 10));
  EXPECT_EQ(accept(chunk(9, 0, 128, "0")), expected);
}

TEST_F(GelfChunks, DuplicateChunkIsIgnoredAndCounted) {
  EXPECT_EQ(accept(chunk(7, 0, 2, "A")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 0, 2, "X")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 1, 2, "B")), "AB");
  EXPECT_EQ(assembler.counters().duplicate_chunks, 1u);
}

TEST_F(GelfChunks, MissingChunkDropsTheMessageFiveSecondsAfterItsFirstChunk) {
  accept(chunk(7, 0, 3, "A"));
  clock.advance(4s);
  accept(chunk(7, 1, 3, "B"));
  clock.advance(999ms);
  assembler.expire(clock.steady_now());
  EXPECT_EQ(assembler.pending_messages(), 1u);
  clock.advance(1ms);
  assembler.expire(clock.steady_now());
  EXPECT_EQ(assembler.pending_messages(), 0u);
  EXPECT_EQ(assembler.counters().incomplete, 1u);
}

TEST_F(GelfChunks, LateChunkAfterExpiryStartsANewMessageInsteadOfCompletingTheOld) {
  accept(chunk(7, 0, 2, "A"));
  clock.advance(5s);
  EXPECT_EQ(accept(chunk(7, 1, 2, "B")), std::nullopt);  // expiry runs on every call first
  EXPECT_EQ(assembler.counters().incomplete, 1u);
  EXPECT_EQ(assembler.pending_messages(), 1u);
}

TEST_F(GelfChunks, CountOverOneHundredTwentyEightIsABadChunk) {
  EXPECT_EQ(accept(chunk(7, 0, 129, "A")), std::nullopt);
  EXPECT_EQ(assembler.counters().bad_chunks, 1u);
  EXPECT_EQ(assembler.pending_messages(), 0u);
}

TEST_F(GelfChunks, ZeroCountIsABadChunk) {
  EXPECT_EQ(accept(chunk(7, 0, 0, "A")), std::nullopt);
  EXPECT_EQ(assembler.counters().bad_chunks, 1u);
}

TEST_F(GelfChunks, SequenceNumberAtOrPastTheCountIsABadChunk) {
  EXPECT_EQ(accept(chunk(7, 2, 2, "A")), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 200, 128, "A")), std::nullopt);
  EXPECT_EQ(assembler.counters().bad_chunks, 2u);
  EXPECT_EQ(assembler.pending_messages(), 0u);
}

TEST_F(GelfChunks, HeaderCutShortIsABadChunk) {
  EXPECT_EQ(accept(chunk(7, 0, 2, "").substr(0, 11)), std::nullopt);
  EXPECT_EQ(accept("\x1e\x0f"), std::nullopt);
  EXPECT_EQ(assembler.counters().bad_chunks, 2u);
}

TEST_F(GelfChunks, CountUnlikeTheFirstChunksIsABadChunk) {
  accept(chunk(7, 0, 2, "A"));
  EXPECT_EQ(accept(chunk(7, 1, 3, "B")), std::nullopt);
  EXPECT_EQ(assembler.counters().bad_chunks, 1u);
  EXPECT_EQ(accept(chunk(7, 1, 2, "B")), "AB");
}

TEST_F(GelfChunks, SameIdFromTwoSendersInterleavedMakesTwoMessages) {
  EXPECT_EQ(accept(chunk(7, 1, 2, "b1"), kSender), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 0, 2, "a2"), kOtherSender), std::nullopt);
  EXPECT_EQ(accept(chunk(7, 0, 2, "a1"), kSender), "a1b1");
  EXPECT_EQ(accept(chunk(7, 1, 2, "b2"), kOtherSender), "a2b2");
  EXPECT_EQ(assembler.counters().duplicate_chunks, 0u);
}

TEST_F(GelfChunks, SameIdFromTwoPortsOfOneHostMakesTwoMessages) {
  accept(chunk(7, 0, 2, "a1"), kSender, 1000);
  accept(chunk(7, 0, 2, "a2"), kSender, 2000);
  EXPECT_EQ(accept(chunk(7, 1, 2, "b2"), kSender, 2000), "a2b2");
  EXPECT_EQ(accept(chunk(7, 1, 2, "b1"), kSender, 1000), "a1b1");
}

// What one incomplete message of one `chunk_size`-byte chunk holds, measured rather than assumed.
size_t footprint_of_one_partial_message(size_t chunk_size) {
  GelfChunkAssembler probe{GelfChunkLimits{}, 1};
  probe.accept(chunk(1, 0, 2, std::string(chunk_size, 'x')), kSender, kPort, SteadyTime{});
  return probe.held_bytes();
}

TEST(GelfChunkMemory, OverTheLimitTheOldestMessageIsDroppedFirst) {
  const size_t footprint = footprint_of_one_partial_message(1000);
  GelfChunkAssembler assembler{GelfChunkLimits{.memory_limit = footprint * 5 / 2}, 1};
  const SteadyTime now{};
  for (uint64_t id : {1, 2, 3}) assembler.accept(chunk(id, 0, 2, std::string(1000, 'a')), kSender, kPort, now);
  EXPECT_EQ(assembler.counters().evicted, 1u);
  EXPECT_LE(assembler.held_bytes(), footprint * 5 / 2);
  EXPECT_TRUE(assembler.accept(chunk(2, 1, 2, "z"), kSender, kPort, now).has_value());
  EXPECT_TRUE(assembler.accept(chunk(3, 1, 2, "z"), kSender, kPort, now).has_value());
  EXPECT_EQ(assembler.accept(chunk(1, 1, 2, "z"), kSender, kPort, now), std::nullopt);  // its first half is gone
}

TEST(GelfChunkMemory, HeldBytesNeverExceedTheLimit) {
  constexpr size_t kLimit = 256 * 1024;
  GelfChunkAssembler assembler{GelfChunkLimits{.memory_limit = kLimit}, 1};
  const std::string big(8000, 'b');
  for (uint64_t id = 0; id < 200; ++id) {
    for (unsigned sequence = 0; sequence < 5; ++sequence) {
      assembler.accept(chunk(id, sequence, 6, big), kSender, kPort, SteadyTime{});
      ASSERT_LE(assembler.held_bytes(), kLimit);
    }
  }
  EXPECT_GT(assembler.counters().evicted, 0u);
}

TEST(GelfChunkMemory, CompletingAMessageKeepsWithinTheLimitWithoutEvicting) {
  const size_t footprint = footprint_of_one_partial_message(1000);
  const size_t limit = 2 * footprint + 1500;
  GelfChunkAssembler assembler{GelfChunkLimits{.memory_limit = limit}, 1};
  const SteadyTime now{};
  const std::string bytes(1000, 'x');
  assembler.accept(chunk(1, 0, 2, bytes), kSender, kPort, now);
  ASSERT_TRUE(assembler.accept(chunk(1, 1, 2, bytes), kSender, kPort, now).has_value());  // a 2000-byte buffer
  assembler.accept(chunk(2, 0, 2, bytes), kSender, kPort, now);
  assembler.accept(chunk(3, 0, 2, bytes), kSender, kPort, now);
  assembler.accept(chunk(4, 0, 2, "a"), kSender, kPort, now);
  ASSERT_TRUE(assembler.accept(chunk(4, 1, 2, "b"), kSender, kPort, now).has_value());
  EXPECT_LE(assembler.held_bytes(), limit);
  EXPECT_EQ(assembler.counters().evicted, 0u);
  EXPECT_EQ(assembler.pending_messages(), 2u);
}

TEST(GelfChunkMemory, MessageLargerThanTheWholeLimitIsDropped) {
  GelfChunkAssembler assembler{GelfChunkLimits{.memory_limit = 4096}, 1};
  for (unsigned sequence = 0; sequence < 3; ++sequence) {
    EXPECT_EQ(assembler.accept(chunk(5, sequence, 3, std::string(3000, 'x')), kSender, kPort, SteadyTime{}),
              std::nullopt);
  }
  EXPECT_LE(assembler.held_bytes(), 4096u);
  EXPECT_GE(assembler.counters().evicted, 1u);
  EXPECT_EQ(assembler.counters().reassembled, 0u);
}

TEST(GelfChunkMemory, CompletedAndExpiredMessagesGiveTheirMemoryBack) {
  GelfChunkAssembler assembler{GelfChunkLimits{.memory_limit = 1 << 20}, 1};
  for (uint64_t id = 0; id < 40; ++id) {
    assembler.accept(chunk(id, 0, 2, std::string(20000, 'x')), kSender, kPort, SteadyTime{});
  }
  assembler.expire(SteadyTime{} + 5s);
  EXPECT_EQ(assembler.counters().incomplete, 40u);
  // Only a few small spare buffers are kept for reuse.
  EXPECT_LE(assembler.held_bytes(), 8u * 128 * 1024);
}

}  // namespace
}  // namespace kinesyslog::framing
