#pragma once
// The bytes that end a non-transparent syslog message (RFC 6587 §3.4.2 names LF; NUL and CR
// are common in the field) and a fast scan for the first of them.
#include <cstdint>
#include <cstring>

namespace kinesyslog::framing {

constexpr bool is_terminator(char byte) { return byte == '\n' || byte == '\r' || byte == '\0'; }

// First LF, CR or NUL in [begin, end), or `end`. Hot path: eight bytes per step (SWAR), so one
// pass finds whichever terminator comes first instead of three memchr passes over the buffer.
inline const char* find_terminator(const char* begin, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  constexpr uint64_t kLineFeeds = kOnes * '\n';
  constexpr uint64_t kCarriageReturns = kOnes * '\r';
  const char* cursor = begin;
  while (end - cursor >= 8) {
    uint64_t word;
    std::memcpy(&word, cursor, sizeof word);
    // Nonzero exactly when some byte of the operand is zero (no false negatives).
    auto has_zero_byte = [](uint64_t value) { return (value - kOnes) & ~value & kHighBits; };
    if (has_zero_byte(word) | has_zero_byte(word ^ kLineFeeds) | has_zero_byte(word ^ kCarriageReturns)) break;
    cursor += 8;
  }
  while (cursor != end && !is_terminator(*cursor)) ++cursor;
  return cursor;
}

}  // namespace kinesyslog::framing
