#include "net/crc32c.hpp"

#include <array>

namespace kinesyslog::net {

namespace {

// 0x1EDC6F41 bit-reversed: the CRC is computed least significant bit first (RFC 4960 App. B).
constexpr uint32_t kReflectedPolynomial = 0x82F63B78u;

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t remainder = byte;
    for (int bit = 0; bit < 8; ++bit) {
      remainder = (remainder & 1u) != 0 ? (remainder >> 1) ^ kReflectedPolynomial : remainder >> 1;
    }
    table[byte] = remainder;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = make_table();

}  // namespace

void Crc32c::update(std::string_view bytes) {
  for (char byte : bytes) {
    register_ = (register_ >> 8) ^ kTable[(register_ ^ static_cast<uint8_t>(byte)) & 0xFFu];
  }
}

uint32_t crc32c(std::string_view bytes) {
  Crc32c crc;
  crc.update(bytes);
  return crc.value();
}

}  // namespace kinesyslog::net
