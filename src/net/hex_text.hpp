#pragma once
// Hexadecimal renderings of wire values for log messages ("0x0d", "0xe3069283").
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace kinesyslog::net {

inline std::string hex_byte(uint8_t value) { return fmt::format("0x{:02x}", value); }

inline std::string hex_u32(uint32_t value) { return fmt::format("0x{:08x}", value); }

}  // namespace kinesyslog::net
