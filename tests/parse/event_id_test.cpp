#include "parse/event_id.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace kinesyslog::parse {
namespace {

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string counter_of(const EventId& id) { return std::string(id.view().substr(EventIdSequence::kPrefixDigits)); }

std::string padded_counter(uint64_t value) {
  const std::string digits = std::to_string(value);
  return std::string(EventIdSequence::kCounterDigits - digits.size(), '0') + digits;
}

TEST(CountingIds, Are56Digits) {
  EventIdSequence sequence(1);
  EventIdGenerator ids = EventIdGenerator::counting(sequence);
  const EventId id = ids.next();
  EXPECT_EQ(id.view().size(), 56u);
  EXPECT_TRUE(all_digits(id.view())) << id.view();
}

TEST(CountingIds, StartWithTheSequencePrefix) {
  EventIdSequence sequence(7);
  EXPECT_EQ(sequence.prefix().size(), 20u);
  EXPECT_TRUE(all_digits(sequence.prefix()));
  EventIdGenerator ids = EventIdGenerator::counting(sequence);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(ids.next().view().substr(0, 20), sequence.prefix());
}

TEST(CountingIds, ProcessPrefixIsStableWithinTheProcess) {
  EventIdSequence& process = EventIdSequence::of_process();
  EXPECT_EQ(&process, &EventIdSequence::of_process());
  EventIdGenerator first = EventIdGenerator::counting(process);
  EventIdGenerator second = EventIdGenerator::counting(process);
  EXPECT_EQ(first.next().view().substr(0, 20), second.next().view().substr(0, 20));
  EXPECT_EQ(first.next().view().substr(0, 20), process.prefix());
}

TEST(CountingIds, PrefixDependsOnTheSeed) {
  EXPECT_EQ(EventIdSequence(42).prefix(), EventIdSequence(42).prefix());
  EXPECT_NE(EventIdSequence(42).prefix(), EventIdSequence(43).prefix());
}

TEST(CountingIds, CounterIsZeroPaddedAndCarriesAcrossDigits) {
  EventIdSequence sequence(1);
  EventIdGenerator ids = EventIdGenerator::counting(sequence, 1500);
  for (uint64_t expected = 0; expected < 3100; ++expected) {
    ASSERT_EQ(counter_of(ids.next()), padded_counter(expected));
  }
}

TEST(CountingIds, GeneratorsReserveDisjointBlocks) {
  EventIdSequence sequence(1);
  EventIdGenerator a = EventIdGenerator::counting(sequence, 4);
  EventIdGenerator b = EventIdGenerator::counting(sequence, 4);
  EXPECT_EQ(counter_of(a.next()), padded_counter(0));
  EXPECT_EQ(counter_of(b.next()), padded_counter(4));
  for (int i = 0; i < 3; ++i) a.next();
  EXPECT_EQ(counter_of(a.next()), padded_counter(8));  // a's first block is used up
  EXPECT_EQ(counter_of(b.next()), padded_counter(5));
}

TEST(CountingIds, UniqueAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  EventIdSequence sequence(3);
  std::vector<std::vector<std::string>> produced(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&sequence, &out = produced[t]] {
      EventIdGenerator ids = EventIdGenerator::counting(sequence, 64);  // small blocks: many reservations race
      out.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) out.emplace_back(ids.next().view());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::unordered_set<std::string> seen;
  for (const auto& ids : produced) {
    for (const std::string& id : ids) ASSERT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(RandomIds, Are56Digits) {
  EventIdGenerator ids = EventIdGenerator::random(5);
  for (int i = 0; i < 100; ++i) {
    const EventId id = ids.next();
    ASSERT_TRUE(all_digits(id.view())) << id.view();
  }
}

TEST(RandomIds, DifferPerEvent) {
  EventIdGenerator ids = EventIdGenerator::random(5);
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(seen.insert(std::string(ids.next().view())).second);
}

TEST(RandomIds, FixedSeedIsReproducible) {
  EventIdGenerator first = EventIdGenerator::random(12345);
  EventIdGenerator second = EventIdGenerator::random(12345);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(first.next().view(), second.next().view());
  EXPECT_NE(EventIdGenerator::random(1).next().view(), EventIdGenerator::random(2).next().view());
}

TEST(RandomIds, EveryPositionUsesAllDigitsEvenly) {
  constexpr int kIds = 20000;
  EventIdGenerator ids = EventIdGenerator::random(99);
  std::vector<std::array<int, 10>> counts(EventId::kDigits, std::array<int, 10>{});
  for (int i = 0; i < kIds; ++i) {
    const EventId id = ids.next();
    for (size_t position = 0; position < EventId::kDigits; ++position) ++counts[position][id.digits[position] - '0'];
  }
  for (size_t position = 0; position < EventId::kDigits; ++position) {
    for (int digit = 0; digit < 10; ++digit) {
      // Expected 2000 each; a binomial standard deviation is about 42, so ±300 is over 7 sigma.
      EXPECT_NEAR(counts[position][digit], kIds / 10, 300) << "position " << position << " digit " << digit;
    }
  }
}

}  // namespace
}  // namespace kinesyslog::parse
