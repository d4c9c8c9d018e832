#include "net/proxy_tlv.hpp"

#include "net/hex_text.hpp"

namespace kinesyslog::net::proxy_tlv {

namespace {

constexpr size_t kTlvHeaderSize = 3;      // type, length_hi, length_lo
constexpr size_t kSslFixedSize = 1 + 4;   // client, verify (packed, §2.2.6)

}  // namespace

std::string split(std::string_view bytes, std::vector<TlvView>& tlvs) {
  size_t offset = 0;
  while (offset < bytes.size()) {
    const size_t left = bytes.size() - offset;
    if (left < kTlvHeaderSize) {
      return "TLV at offset " + std::to_string(offset) + " is truncated: " + std::to_string(left) +
             " byte(s) left, a TLV needs at least 3";
    }
    const auto type = static_cast<uint8_t>(bytes[offset]);
    const size_t length = big_endian(bytes.substr(offset + 1, 2));
    if (length > left - kTlvHeaderSize) {
      return "TLV type " + hex_byte(type) + " at offset " + std::to_string(offset) + " declares " +
             std::to_string(length) + " value bytes but only " + std::to_string(left - kTlvHeaderSize) + " remain";
    }
    tlvs.push_back(TlvView{type, bytes.substr(offset + kTlvHeaderSize, length)});
    offset += kTlvHeaderSize + length;
  }
  return {};
}

std::string check_ssl(std::string_view value) {
  if (value.size() < kSslFixedSize) {
    return "SSL TLV has " + std::to_string(value.size()) + " value bytes, needs at least 5 (client, verify)";
  }
  std::vector<TlvView> sub_tlvs;
  if (std::string reason = split(value.substr(kSslFixedSize), sub_tlvs); !reason.empty()) {
    return "SSL TLV: sub-" + reason;
  }
  return {};
}

}  // namespace kinesyslog::net::proxy_tlv
