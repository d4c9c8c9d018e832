#pragma once
// Hexadecimal renderings of wire values for log messages ("0x0d", "0xe3069283").
#include <cstdint>
#include <string>

#include "core/hex.hpp"

namespace kinesyslog::net {

inline std::string hex_byte(uint8_t value) {
  return hex_literal(value, 2);
}

inline std::string hex_u32(uint32_t value) {
  return hex_literal(value, 8);
}

}  // namespace kinesyslog::net
