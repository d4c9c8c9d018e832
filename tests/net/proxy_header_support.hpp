#pragma once
// Test support: builds PROXY v2 headers byte by byte and runs a ProxyHeaderReader over a stream
// cut into pieces, collecting what it decided and the payload it left untouched.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/crc32c.hpp"
#include "net/proxy_header.hpp"
#include "net/proxy_tlv.hpp"
#include "net/proxy_v2_header.hpp"

// PROXY v2 TLV types and PP2_TYPE_SSL sub-types (§2.2, §2.2.6) that tests put in headers; the
// reader itself only checks the ones in net/proxy_tlv.hpp.
namespace kinesyslog::net::pp2 {
inline constexpr uint8_t kTypeAlpn = 0x01;
inline constexpr uint8_t kTypeAuthority = 0x02;
inline constexpr uint8_t kSubtypeSslVersion = 0x21;
inline constexpr uint8_t kSubtypeSslCn = 0x22;
}  // namespace kinesyslog::net::pp2

namespace kinesyslog::net::testing {

inline std::string big_endian16(size_t value) {
  return {static_cast<char>((value >> 8) & 0xFF), static_cast<char>(value & 0xFF)};
}

inline std::string big_endian32(uint32_t value) {
  return big_endian16(value >> 16) + big_endian16(value & 0xFFFF);
}

inline std::string tlv(uint8_t type, std::string_view value) {
  return static_cast<char>(type) + big_endian16(value.size()) + std::string{value};
}

// Signature, version/command, family/transport, then a length that fits `block` exactly.
inline std::string v2_header(uint8_t version_command, uint8_t family_transport, std::string_view block) {
  return std::string{proxy_v2::kSignature} + static_cast<char>(version_command) + static_cast<char>(family_transport) +
         big_endian16(block.size()) + std::string{block};
}

inline std::string ipv4_block(std::array<uint8_t, 4> source, std::array<uint8_t, 4> destination,
                              uint16_t source_port, uint16_t destination_port) {
  return std::string{source.begin(), source.end()} + std::string{destination.begin(), destination.end()} +
         big_endian16(source_port) + big_endian16(destination_port);
}

// Appends a PP2_TYPE_CRC32C TLV to `header` (growing its length field) and fills in the checksum.
inline std::string with_crc32c(std::string header) {
  header += tlv(pp2::kTypeCrc32c, std::string(4, '\0'));
  const std::string length = big_endian16(header.size() - proxy_v2::kPreambleSize);
  header.replace(14, 2, length);
  header.replace(header.size() - 4, 4, big_endian32(crc32c(header)));
  return header;
}

struct ReadOutcome {
  ProxyHeaderReader::Status status = ProxyHeaderReader::Status::kNeedMore;
  size_t header_size = 0;
  ProxyHeader header;
  std::string error;
  std::string payload;  // every byte the reader did not take, in order
};

// Feeds `stream` cut at the ascending `cuts`; after the header is done the rest is payload.
inline ReadOutcome read_in_pieces(std::string_view stream, const std::vector<size_t>& cuts) {
  ProxyHeaderReader reader;
  ReadOutcome outcome;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  for (size_t end : ends) {
    const std::string_view piece = stream.substr(start, end - start);
    start = end;
    if (reader.status() != ProxyHeaderReader::Status::kNeedMore) {
      outcome.payload += piece;
      continue;
    }
    reader.feed(piece);
    outcome.payload += piece.substr(reader.header_bytes_in_last_feed());
  }
  outcome.status = reader.status();
  outcome.header_size = reader.header_size();
  outcome.header = reader.header();
  outcome.error = reader.error();
  return outcome;
}

inline ReadOutcome read_whole(std::string_view stream) { return read_in_pieces(stream, {}); }

inline std::vector<size_t> every_byte(size_t size) {
  std::vector<size_t> cuts;
  for (size_t cut = 1; cut < size; ++cut) cuts.push_back(cut);
  return cuts;
}

}  // namespace kinesyslog::net::testing
