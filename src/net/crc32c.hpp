#pragma once
// CRC32c (Castagnoli, RFC 4960 Appendix B), as the PROXY protocol v2 PP2_TYPE_CRC32C TLV
// requires (proxy-protocol.txt §2.2.3). Table-driven, one byte at a time: headers are short.
#include <cstdint>
#include <string_view>

namespace kinesyslog::net {

// A running CRC32c; `update` may be called any number of times, `value` reads the result.
class Crc32c {
 public:
  void update(std::string_view bytes);
  uint32_t value() const { return ~register_; }

 private:
  uint32_t register_ = 0xFFFFFFFFu;
};

// The CRC32c of `bytes` in one call ("123456789" gives the check value 0xE3069283).
uint32_t crc32c(std::string_view bytes);

}  // namespace kinesyslog::net
