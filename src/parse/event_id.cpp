#include "parse/event_id.hpp"

#include "core/hash_seed.hpp"
#include "core/random_seed.hpp"
#include "parse/decimal_digits.hpp"

namespace kinesyslog::parse {
namespace {

constexpr uint64_t kChunkDigits = 18;
constexpr uint64_t kChunkModulus = 1'000'000'000'000'000'000ULL;  // 10^18
// The largest multiple of 10^18 that fits in 64 bits: draws at or above it are redrawn so every
// 18-digit chunk is uniform (about 2.4% are redrawn).
constexpr uint64_t kChunkLimit = 18 * kChunkModulus;

uint64_t rotate_left(uint64_t value, int bits) { return (value << bits) | (value >> (64 - bits)); }

uint64_t uniform_chunk(Xoshiro256StarStar& random) {
  uint64_t draw = random.next();
  while (draw >= kChunkLimit) draw = random.next();
  return draw % kChunkModulus;
}

// Fills out[0..count) with uniformly random decimal digits.
void write_random_digits(Xoshiro256StarStar& random, char* out, size_t count) {
  while (count > 0) {
    const size_t width = count < kChunkDigits ? count : kChunkDigits;
    write_decimal(out, uniform_chunk(random), width);  // the low digits of a uniform chunk are uniform
    out += width;
    count -= width;
  }
}

}  // namespace

Xoshiro256StarStar::Xoshiro256StarStar(uint64_t seed) {
  for (uint64_t& word : state_) word = splitmix64_next(seed);
}

uint64_t Xoshiro256StarStar::next() {
  const uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
  const uint64_t shifted = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= shifted;
  state_[3] = rotate_left(state_[3], 45);
  return result;
}

EventIdSequence::EventIdSequence(uint64_t seed) {
  Xoshiro256StarStar random(seed);
  write_random_digits(random, prefix_.data(), prefix_.size());
}

EventIdSequence& EventIdSequence::of_process() {
  static EventIdSequence sequence(random_seed_from_os());
  return sequence;
}

EventIdGenerator EventIdGenerator::counting(EventIdSequence& sequence, uint64_t block_size) {
  return EventIdGenerator(Mode::kCounting, &sequence, block_size == 0 ? 1 : block_size, 0);
}

EventIdGenerator EventIdGenerator::random(uint64_t seed) { return EventIdGenerator(Mode::kRandom, nullptr, 1, seed); }

EventIdGenerator::EventIdGenerator(Mode mode, EventIdSequence* sequence, uint64_t block_size, uint64_t seed)
    : mode_(mode), sequence_(sequence), block_size_(block_size), random_(seed) {
  if (sequence_ != nullptr) {
    const std::string_view prefix = sequence_->prefix();
    prefix.copy(current_.digits.data(), prefix.size());
  }
}

EventId EventIdGenerator::next() { return mode_ == Mode::kCounting ? next_counted() : next_random(); }

EventId EventIdGenerator::next_counted() {
  char* counter = current_.digits.data() + EventIdSequence::kPrefixDigits;
  if (block_remaining_ == 0) {
    write_decimal(counter, sequence_->reserve(block_size_), EventIdSequence::kCounterDigits);
    block_remaining_ = block_size_;
  } else {
    // Decimal increment in place: amortised one digit per id. A 64-bit counter has at most 20
    // digits, so the carry never reaches the prefix.
    size_t position = EventIdSequence::kCounterDigits - 1;
    while (counter[position] == '9') counter[position--] = '0';
    ++counter[position];
  }
  --block_remaining_;
  return current_;
}

EventId EventIdGenerator::next_random() {
  EventId id;
  write_random_digits(random_, id.digits.data(), id.digits.size());
  return id;
}

}  // namespace kinesyslog::parse
