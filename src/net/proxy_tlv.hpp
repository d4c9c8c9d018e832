#pragma once
// PROXY protocol v2 Type-Length-Value vectors (proxy-protocol.txt §2.2): a type byte, a 16-bit
// big-endian length, then that many value bytes; PP2_TYPE_SSL nests more of them (§2.2.6).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/proxy_header.hpp"

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

// Decodes a PP2_TYPE_SSL value: client flags, verify result, then its sub-TLVs.
std::string decode_ssl(std::string_view value, ProxySsl& ssl);

}  // namespace kinesyslog::net::proxy_tlv
