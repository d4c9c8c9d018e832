#pragma once
// Fixed-width decimal formatting, two digits per step: timestamps and event ids are written
// per message, so this avoids snprintf and its locale.
#include <cstddef>
#include <cstdint>

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

}  // namespace kinesyslog::parse
