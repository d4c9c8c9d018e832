#pragma once
// The PROXY protocol header (HAProxy proxy-protocol.txt) that a load balancer puts before the
// first byte of a connection on a `--proxy-protocol` port (SPEC §2), and an incremental reader
// for it that takes bytes as they arrive and never consumes a byte past the header.
//
//   kStart ──'P'──► kV1Line ──CRLF──► parse line ──► kDone | kInvalid
//     │
//     ├──'\r'──► kV2Preamble ──16 bytes──► kV2Block ──16+len bytes──► parse block ──► kDone | kInvalid
//     └──other──► kInvalid            (each state rejects early as soon as the prefix cannot match)
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"

namespace kinesyslog::net {

// v2 TLV types (§2.2) and PP2_TYPE_SSL sub-types (§2.2.6).
namespace pp2 {
inline constexpr uint8_t kTypeAlpn = 0x01;
inline constexpr uint8_t kTypeAuthority = 0x02;
inline constexpr uint8_t kTypeCrc32c = 0x03;
inline constexpr uint8_t kTypeNoop = 0x04;
inline constexpr uint8_t kTypeUniqueId = 0x05;
inline constexpr uint8_t kTypeSsl = 0x20;
inline constexpr uint8_t kSubtypeSslVersion = 0x21;
inline constexpr uint8_t kSubtypeSslCn = 0x22;
inline constexpr uint8_t kSubtypeSslCipher = 0x23;
inline constexpr uint8_t kTypeNetns = 0x30;
inline constexpr uint8_t kClientSsl = 0x01;
inline constexpr uint8_t kClientCertConn = 0x02;
inline constexpr uint8_t kClientCertSess = 0x04;
}  // namespace pp2

// One v2 Type-Length-Value vector; `value` holds its raw bytes.
struct ProxyTlv {
  uint8_t type = 0;
  std::string value;
  friend bool operator==(const ProxyTlv&, const ProxyTlv&) = default;
};

// The decoded value of a PP2_TYPE_SSL TLV (§2.2.6).
struct ProxySsl {
  uint8_t client = 0;   // pp2::kClient* bits
  uint32_t verify = 0;  // 0 when the client presented a certificate that verified
  std::vector<ProxyTlv> sub_tlvs;
  friend bool operator==(const ProxySsl&, const ProxySsl&) = default;
};

struct ProxyHeader {
  enum class Command : uint8_t { kProxy, kLocal };
  enum class Family : uint8_t { kUnspec, kInet, kInet6, kUnix };
  enum class Transport : uint8_t { kUnspec, kStream, kDgram };

  int version = 0;  // 1 (text line) or 2 (binary)
  Command command = Command::kProxy;  // v1 is always kProxy
  Family family = Family::kUnspec;    // as sent, also for LOCAL (whose addresses are ignored)
  Transport transport = Transport::kUnspec;
  // Set only when the header names the client's IP endpoints (v1 TCP4/TCP6, v2 PROXY over
  // INET/INET6); otherwise (v1 UNKNOWN, v2 LOCAL, UNSPEC, UNIX) the real peer is kept.
  std::optional<IpAddress> source;
  uint16_t source_port = 0;
  std::optional<IpAddress> destination;
  uint16_t destination_port = 0;
  // v2 PROXY over AF_UNIX: the socket paths, cut at their first NUL.
  std::string source_path;
  std::string destination_path;
  std::vector<ProxyTlv> tlvs;  // in wire order; PP2_TYPE_NOOP padding is left out (§2.2.4)
  std::optional<ProxySsl> ssl;  // decoded PP2_TYPE_SSL, also kept raw in `tlvs`

  // The first TLV of `type`, or nullptr.
  const ProxyTlv* find_tlv(uint8_t type) const;
  // The client certificate's Common Name from the SSL TLV's PP2_SUBTYPE_SSL_CN, if any.
  std::optional<std::string_view> ssl_common_name() const;

  friend bool operator==(const ProxyHeader&, const ProxyHeader&) = default;
};

class ProxyHeaderReader {
 public:
  enum class Status : uint8_t { kNeedMore, kDone, kInvalid };

  // §2.1: a v1 line is at most 107 bytes including the CRLF.
  static constexpr size_t kMaxV1LineSize = 107;
  // §2.2: a v2 header is the 16-byte preamble plus its 16-bit length.
  static constexpr size_t kV2PreambleSize = 16;
  static constexpr size_t kMaxV2HeaderSize = kV2PreambleSize + 0xFFFF;

  // Takes the next bytes of the stream and consumes those that belong to the header, never one
  // more. Once kDone or kInvalid, further feeds consume nothing and return the same status.
  Status feed(std::string_view bytes);
  // The stream ended (or, for UDP, the datagram did): a header still incomplete is invalid.
  Status finish();

  Status status() const { return status_; }
  // How many bytes of the last `feed` were header bytes; the rest of it is payload, untouched.
  // (On kInvalid: the bytes examined, up to and including the first that could not match.)
  size_t header_bytes_in_last_feed() const { return header_bytes_in_last_feed_; }
  // Header bytes consumed so far over all feeds (the whole header's size once kDone).
  size_t header_size() const { return header_size_; }
  // Valid once kDone.
  const ProxyHeader& header() const { return header_; }
  // Memory held for a v2 header still arriving (it grows with the bytes, not to the announced
  // length up front); 0 before and after.
  size_t buffered_bytes() const { return v2_header_.empty() ? 0 : v2_header_.capacity(); }
  // Why the bytes are not a PROXY header, for the log; empty unless kInvalid.
  const std::string& error() const { return error_; }

 private:
  enum class State : uint8_t { kStart, kV1Line, kV2Preamble, kV2Block, kDone, kInvalid };

  size_t consume_start(std::string_view bytes);
  size_t consume_v1_line(std::string_view bytes);
  size_t consume_v2_preamble(std::string_view bytes);
  size_t consume_v2_block(std::string_view bytes);
  void finish_v1_line();
  void finish_v2_header();
  void reject(std::string reason);

  State state_ = State::kStart;
  Status status_ = Status::kNeedMore;
  std::array<char, kMaxV1LineSize> v1_line_{};
  size_t v1_line_size_ = 0;
  std::string v2_header_;        // the preamble, then the block as it arrives
  size_t v2_header_total_ = 0;   // 16 + length, once the preamble is complete
  size_t header_size_ = 0;
  size_t header_bytes_in_last_feed_ = 0;
  ProxyHeader header_;
  std::string error_;
};

}  // namespace kinesyslog::net
