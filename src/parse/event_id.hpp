#pragma once
// docs/behaviour.md §3.5 event ids: 56 decimal digits, unique across relays and restarts. By default the
// first 20 digits are random per process and the last 36 a per-process counter, so gzip can
// compress them; `--random-ids` makes all 56 digits random per event, as the original did.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/event.hpp"

namespace kinesyslog::parse {

// xoshiro256** (Blackman and Vigna, public domain), its state filled by splitmix64 from a
// 64-bit seed. Fast and good enough for ids; not for secrets.
class Xoshiro256StarStar {
 public:
  explicit Xoshiro256StarStar(uint64_t seed);
  uint64_t next();

 private:
  std::array<uint64_t, 4> state_{};
};

// The process-wide half of counter ids: the random prefix and the counter from which each
// thread's generator reserves whole blocks, so threads touch the shared atomic once per block.
class EventIdSequence {
 public:
  static constexpr size_t kPrefixDigits = 20;
  static constexpr size_t kCounterDigits = EventId::kDigits - kPrefixDigits;  // 36

  explicit EventIdSequence(uint64_t seed);
  EventIdSequence(const EventIdSequence&) = delete;
  EventIdSequence& operator=(const EventIdSequence&) = delete;

  // The sequence of this process, its prefix drawn from getrandom on first use.
  static EventIdSequence& of_process();

  std::string_view prefix() const { return {prefix_.data(), prefix_.size()}; }
  // Reserves `count` consecutive counter values and returns the first.
  uint64_t reserve(uint64_t count) { return next_counter_.fetch_add(count, std::memory_order_relaxed); }

 private:
  std::array<char, kPrefixDigits> prefix_{};
  std::atomic<uint64_t> next_counter_{0};
};

// One per I/O thread; not shared between threads.
class EventIdGenerator {
 public:
  static constexpr uint64_t kDefaultBlockSize = 4096;

  // Prefix + counter ids from `sequence`, which must outlive the generator.
  static EventIdGenerator counting(EventIdSequence& sequence, uint64_t block_size = kDefaultBlockSize);
  // 56 random digits per id (`--random-ids`); the same seed gives the same ids.
  static EventIdGenerator random(uint64_t seed);

  EventId next();

 private:
  enum class Mode { kCounting, kRandom };
  EventIdGenerator(Mode mode, EventIdSequence* sequence, uint64_t block_size, uint64_t seed);

  EventId next_counted();
  EventId next_random();

  Mode mode_;
  EventIdSequence* sequence_;  // counting mode only
  uint64_t block_size_;
  uint64_t block_remaining_ = 0;  // counter values left in the reserved block
  EventId current_;               // counting mode: the last id handed out, incremented in place
  Xoshiro256StarStar random_;
};

}  // namespace kinesyslog::parse
