#pragma once
// Decimal digits read and written by hand: timestamps and event ids are handled per
// message, so this avoids strtol, snprintf and their locale.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kinesyslog::parse {

inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes the lowest `width` decimal digits of `value` to out[0..width), zero-padded.
inline void write_decimal(char* out, uint64_t value, size_t width) {
  size_t position = width;
  while (position >= 2) {
    const size_t pair = static_cast<size_t>(value % 100) * 2;
    value /= 100;
    out[--position] = kDigitPairs[pair + 1];
    out[--position] = kDigitPairs[pair];
  }
  if (position == 1) out[0] = static_cast<char>('0' + value % 10);
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A fraction of a second: the digits at the start of `text`, truncated to milliseconds
// ("5" is 500, "123456" is 123). Returns how many digits it read; 0 means none.
inline size_t read_fraction_millis(std::string_view text, unsigned& millis) {
  size_t count = 0;
  unsigned result = 0;
  for (unsigned scale = 100; count < text.size() && is_digit(text[count]); ++count, scale /= 10) {
    result += scale * static_cast<unsigned>(text[count] - '0');
  }
  millis = result;
  return count;
}

}  // namespace kinesyslog::parse
