#pragma once
// Hexadecimal digits, written and read by hand: JSON and URI escapes, digests and log text.
#include <cstddef>
#include <cstdint>
#include <string>

namespace kinesyslog {

inline constexpr char kLowerHexDigits[] = "0123456789abcdef";
inline constexpr char kUpperHexDigits[] = "0123456789ABCDEF";  // RFC 3986 §2.1 percent-encoding

// The high and low digits of `byte`.
constexpr char hex_high(uint8_t byte, const char* digits = kLowerHexDigits) { return digits[byte >> 4]; }
constexpr char hex_low(uint8_t byte, const char* digits = kLowerHexDigits) { return digits[byte & 0x0f]; }

// The value of a hex digit in either case, or -1 when `c` is not one.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "0x" and `value` as exactly `digit_count` lower-case digits (the low ones): "0x0d", "0xe3069283".
inline std::string hex_literal(uint64_t value, size_t digit_count) {
  std::string text(2 + digit_count, '0');
  text[1] = 'x';
  for (size_t position = text.size(); position > 2; value >>= 4) text[--position] = kLowerHexDigits[value & 0x0f];
  return text;
}

}  // namespace kinesyslog
