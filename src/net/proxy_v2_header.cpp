#include "net/proxy_v2_header.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "net/crc32c.hpp"
#include "net/hex_text.hpp"
#include "net/proxy_tlv.hpp"

namespace kinesyslog::net::proxy_v2 {

namespace {

constexpr size_t kVersionCommandOffset = 12;
constexpr size_t kFamilyTransportOffset = 13;
constexpr size_t kLengthOffset = 14;
constexpr uint8_t kVersion = 2;
constexpr uint8_t kCommandLocal = 0x0;
constexpr uint8_t kCommandProxy = 0x1;
constexpr uint8_t kMaxFamily = 0x3;     // AF_UNIX
constexpr uint8_t kMaxTransport = 0x2;  // DGRAM
constexpr size_t kUnixPathSize = 108;
constexpr size_t kCrc32cSize = 4;
constexpr size_t kMaxUniqueIdSize = 128;  // §2.2.5

uint8_t byte_at(std::string_view bytes, size_t offset) { return static_cast<uint8_t>(bytes[offset]); }

using proxy_tlv::big_endian;

const char* family_name(uint8_t family) {
  static constexpr const char* kNames[] = {"AF_UNSPEC", "AF_INET", "AF_INET6", "AF_UNIX"};
  return kNames[family];
}

// §2.2: the address block's size is fixed by the family/transport byte. Both nibbles UNSPEC
// means no addresses; only one of them UNSPEC leaves the size unknown (the block is skipped).
std::optional<size_t> address_block_size(uint8_t family, uint8_t transport) {
  if (family == 0 && transport == 0) return 0;
  if (family == 0 || transport == 0) return std::nullopt;
  static constexpr size_t kSizes[] = {0, 2 * 4 + 2 * 2, 2 * 16 + 2 * 2, 2 * kUnixPathSize};
  return kSizes[family];
}

// The source address and port; a unix socket's paths and the destination are not kept.
void decode_source(std::string_view block, uint8_t family, ProxyHeader& header) {
  if (family == 0x3) return;
  const size_t address_size = family == 0x1 ? 4 : 16;
  const auto address = [&](size_t offset) {
    if (address_size == 4) {
      std::array<uint8_t, 4> octets;
      block.copy(reinterpret_cast<char*>(octets.data()), 4, offset);
      return IpAddress::from_v4(octets);
    }
    std::array<uint8_t, 16> octets;
    block.copy(reinterpret_cast<char*>(octets.data()), 16, offset);
    return IpAddress::from_v6(octets);
  };
  header.source = address(0);
  header.source_port = static_cast<uint16_t>(big_endian(block.substr(2 * address_size, 2)));
}

// §2.2.3: the CRC32c of the whole header with the checksum's own 4 bytes taken as zero.
std::string check_crc32c(std::string_view bytes, std::string_view checksum) {
  const size_t offset = static_cast<size_t>(checksum.data() - bytes.data());
  Crc32c crc;
  crc.update(bytes.substr(0, offset));
  crc.update(std::string_view{"\0\0\0\0", kCrc32cSize});
  crc.update(bytes.substr(offset + kCrc32cSize));
  const uint32_t sent = big_endian(checksum);
  if (crc.value() != sent) {
    return "v2 CRC32c mismatch: the header says " + hex_u32(sent) + ", its bytes give " + hex_u32(crc.value());
  }
  return {};
}

// Checks the TLVs after the address block (none of them is kept).
std::string check_tlvs(std::string_view bytes, size_t tlv_offset) {
  std::vector<proxy_tlv::TlvView> tlvs;
  if (std::string reason = proxy_tlv::split(bytes.substr(tlv_offset), tlvs); !reason.empty()) return "v2 " + reason;
  std::optional<std::string_view> checksum;
  bool ssl_checked = false;  // like the first CRC32c, only the first SSL TLV counts
  for (const proxy_tlv::TlvView& tlv : tlvs) {
    if (tlv.type == pp2::kTypeNoop) continue;  // §2.2.4: padding, ignored
    if (tlv.type == pp2::kTypeCrc32c) {
      if (tlv.value.size() != kCrc32cSize) return "v2 CRC32c TLV has " + std::to_string(tlv.value.size()) + " bytes, not 4";
      if (checksum) return "v2 header has more than one CRC32c TLV";
      checksum = tlv.value;
    }
    if (tlv.type == pp2::kTypeUniqueId && tlv.value.size() > kMaxUniqueIdSize) {
      return "v2 UNIQUE_ID TLV has " + std::to_string(tlv.value.size()) + " bytes, more than 128";
    }
    if (tlv.type == pp2::kTypeSsl && !ssl_checked) {
      if (std::string reason = proxy_tlv::check_ssl(tlv.value); !reason.empty()) return "v2 " + reason;
      ssl_checked = true;
    }
  }
  if (checksum) return check_crc32c(bytes, *checksum);
  return {};
}

}  // namespace

std::string why_preamble_cannot_match(std::string_view preamble) {
  const size_t last = preamble.size() - 1;
  const uint8_t byte = byte_at(preamble, last);
  if (last < kSignature.size()) {
    if (byte != static_cast<uint8_t>(kSignature[last])) {
      return "not a PROXY header: byte " + std::to_string(last + 1) + " is " + hex_byte(byte) + ", the v2 signature has " +
             hex_byte(static_cast<uint8_t>(kSignature[last]));
    }
    return {};
  }
  if (last == kVersionCommandOffset) {
    if (byte >> 4 != kVersion) return "PROXY v2 signature with unsupported version " + std::to_string(byte >> 4);
    if ((byte & 0xF) > kCommandProxy) return "PROXY v2 command " + hex_byte(byte & 0xF) + " is neither LOCAL nor PROXY";
    return {};
  }
  if (last == kFamilyTransportOffset) {
    if (byte >> 4 > kMaxFamily) return "PROXY v2 address family " + hex_byte(byte >> 4) + " is not defined";
    if ((byte & 0xF) > kMaxTransport) return "PROXY v2 transport " + hex_byte(byte & 0xF) + " is not defined";
    return {};
  }
  if (last == kLengthOffset + 1) {
    const uint8_t command = byte_at(preamble, kVersionCommandOffset) & 0xF;
    const uint8_t family = byte_at(preamble, kFamilyTransportOffset) >> 4;
    const auto needed = address_block_size(family, byte_at(preamble, kFamilyTransportOffset) & 0xF);
    const size_t length = block_length(preamble);
    // §2.2: LOCAL ignores the address block, so only PROXY needs it whole.
    if (command == kCommandProxy && needed && length < *needed) {
      return "PROXY v2 length " + std::to_string(length) + " is too short for the " + family_name(family) +
             " address block of " + std::to_string(*needed) + " bytes";
    }
  }
  return {};
}

size_t block_length(std::string_view preamble) { return big_endian(preamble.substr(kLengthOffset, 2)); }

std::string parse_header(std::string_view bytes, ProxyHeader& header) {
  if (bytes.size() < kPreambleSize || bytes.size() != kPreambleSize + block_length(bytes)) {
    return "PROXY v2 header is not 16 + its length bytes long";
  }
  for (size_t size = 1; size <= kPreambleSize; ++size) {
    if (std::string reason = why_preamble_cannot_match(bytes.substr(0, size)); !reason.empty()) return reason;
  }
  header = ProxyHeader{};
  header.version = 2;
  const uint8_t command = byte_at(bytes, kVersionCommandOffset) & 0xF;
  const uint8_t family = byte_at(bytes, kFamilyTransportOffset) >> 4;
  const uint8_t transport = byte_at(bytes, kFamilyTransportOffset) & 0xF;
  header.command = command == kCommandLocal ? ProxyHeader::Command::kLocal : ProxyHeader::Command::kProxy;
  header.family = static_cast<ProxyHeader::Family>(family);
  header.transport = static_cast<ProxyHeader::Transport>(transport);
  const auto address_size = address_block_size(family, transport);
  const std::string_view block = bytes.substr(kPreambleSize);
  // §2.2: with no known address size (or a LOCAL block too short for one), skip the block whole.
  if (!address_size || block.size() < *address_size) return {};
  if (command == kCommandProxy && *address_size > 0) decode_source(block.substr(0, *address_size), family, header);
  return check_tlvs(bytes, kPreambleSize + *address_size);
}

}  // namespace kinesyslog::net::proxy_v2
