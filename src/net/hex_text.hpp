#pragma once
// Hexadecimal renderings of wire values for log messages ("0x0d", "0xe3069283").
#include <cstdint>
#include <cstdio>
#include <string>

namespace kinesyslog::net {

inline std::string hex_byte(uint8_t value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", static_cast<unsigned>(value));
  return text;
}

inline std::string hex_u32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
  return text;
}

}  // namespace kinesyslog::net
