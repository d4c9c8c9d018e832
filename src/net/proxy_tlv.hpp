#pragma once
// PROXY protocol v2 Type-Length-Value vectors (proxy-protocol.txt §2.2): a type byte, a 16-bit
// big-endian length, then that many value bytes; PP2_TYPE_SSL nests more of them (§2.2.6).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kinesyslog::net {

// The v2 TLV types (§2.2) the reader checks.
namespace pp2 {
inline constexpr uint8_t kTypeCrc32c = 0x03;
inline constexpr uint8_t kTypeNoop = 0x04;
inline constexpr uint8_t kTypeUniqueId = 0x05;
inline constexpr uint8_t kTypeSsl = 0x20;
}  // namespace pp2

}  // namespace kinesyslog::net

namespace kinesyslog::net::proxy_tlv {

// A big-endian unsigned number of up to 4 bytes (lengths, ports, the SSL verify field).
inline uint32_t big_endian(std::string_view bytes) {
  uint32_t value = 0;
  for (char byte : bytes) value = (value << 8) | static_cast<uint8_t>(byte);
  return value;
}

// One TLV as it lies in the received bytes; `value` points into them.
struct TlvView {
  uint8_t type = 0;
  std::string_view value;
};

// Splits `bytes` into TLVs that must fill it exactly; returns why they do not, or "" on success.
std::string split(std::string_view bytes, std::vector<TlvView>& tlvs);

// Checks a PP2_TYPE_SSL value: client flags, verify result, then sub-TLVs that fill the rest
// exactly. Returns why it is malformed, or "" when it is well formed.
std::string check_ssl(std::string_view value);

}  // namespace kinesyslog::net::proxy_tlv
