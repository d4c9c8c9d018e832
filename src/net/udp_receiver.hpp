#pragma once
// Reads a UDP socket with recvmmsg, a batch of datagrams per call, into buffers reused for the
// I/O thread's lifetime; and reads the kernel's count of datagrams the socket dropped.
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"

namespace kinesyslog::net {

class UdpReceiver {
 public:
  static constexpr size_t kDatagramsPerCall = 32;
  static constexpr size_t kDatagramBufferSize = 65536;  // the largest UDP payload fits

  UdpReceiver();
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  // One recvmmsg call without waiting: how many datagrams it took (0 when none was waiting or
  // the call failed). They stay readable below until the next call.
  size_t receive(int fd);

  std::string_view datagram(size_t index) const;
  IpAddress sender(size_t index) const;
  uint16_t sender_port(size_t index) const;

 private:
  std::vector<char> buffers_;
  std::array<mmsghdr, kDatagramsPerCall> headers_{};
  std::array<iovec, kDatagramsPerCall> vectors_{};
  std::array<sockaddr_storage, kDatagramsPerCall> senders_{};
};

// The socket's running total of datagrams the kernel dropped on a full receive buffer
// (SO_MEMINFO's SK_MEMINFO_DROPS); nullopt when it cannot be read. Polled rather than taken
// from SO_RXQ_OVFL, which reports only with a later datagram, and after a burst there may be none.
std::optional<uint32_t> kernel_drop_total(int fd);

}  // namespace kinesyslog::net
