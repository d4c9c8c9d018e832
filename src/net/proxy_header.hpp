#pragma once
// The PROXY protocol header (HAProxy proxy-protocol.txt) that a load balancer puts before the
// first byte of a connection on a `--proxy-protocol` port (docs/behaviour.md §2.6), and an incremental reader
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

#include "core/ip_address.hpp"

namespace kinesyslog::net {

// What the relay takes from a PROXY header. Everything else in it (the destination, a unix
// socket's paths, the TLVs) is checked to be well formed, then not kept: nothing reads it.
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
