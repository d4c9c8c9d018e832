#pragma once
// PROXY protocol v2, the binary header (proxy-protocol.txt §2.2): a 12-byte signature, a
// version/command byte, a family/transport byte, a 16-bit big-endian length, then `length`
// bytes of address block and TLVs.
#include <cstddef>
#include <string>
#include <string_view>

#include "net/proxy_header.hpp"

namespace kinesyslog::net::proxy_v2 {

// Contains a NUL (§2.2), hence the explicit size.
inline constexpr std::string_view kSignature{"\r\n\r\n\0\r\nQUIT\n", 12};
inline constexpr size_t kPreambleSize = ProxyHeaderReader::kV2PreambleSize;

// `preamble` is the first 1..16 bytes received; only its last byte is new. Returns why no valid
// v2 header can start with them, or "" while one still can.
std::string why_preamble_cannot_match(std::string_view preamble);

// The length field (bytes 15-16) of a complete preamble: how many bytes follow it.
size_t block_length(std::string_view preamble);

// Decodes a whole header (exactly 16 + length bytes) into `header`; returns why it is invalid,
// or "" on success. Checks PP2_TYPE_CRC32C when present (§2.2.3).
std::string parse_header(std::string_view bytes, ProxyHeader& header);

}  // namespace kinesyslog::net::proxy_v2
