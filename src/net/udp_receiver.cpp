#include "net/udp_receiver.hpp"

#include <linux/sock_diag.h>
#include <netinet/in.h>

namespace kinesyslog::net {

UdpReceiver::UdpReceiver() : buffers_(kDatagramsPerCall * kDatagramBufferSize) {}

size_t UdpReceiver::receive(int fd) {
  for (size_t i = 0; i < kDatagramsPerCall; ++i) {
    vectors_[i] = {buffers_.data() + i * kDatagramBufferSize, kDatagramBufferSize};
    headers_[i] = {};
    headers_[i].msg_hdr.msg_iov = &vectors_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
    headers_[i].msg_hdr.msg_name = &senders_[i];
    headers_[i].msg_hdr.msg_namelen = sizeof senders_[i];
  }
  const int received = ::recvmmsg(fd, headers_.data(), kDatagramsPerCall, MSG_DONTWAIT, nullptr);
  return received > 0 ? static_cast<size_t>(received) : 0;
}

std::string_view UdpReceiver::datagram(size_t index) const {
  return {buffers_.data() + index * kDatagramBufferSize, headers_[index].msg_len};
}

IpAddress UdpReceiver::sender(size_t index) const {
  return IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&senders_[index]));
}

uint16_t UdpReceiver::sender_port(size_t index) const {
  const sockaddr_storage& address = senders_[index];
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return 0;
}

std::optional<uint32_t> kernel_drop_total(int fd) {
  std::array<uint32_t, SK_MEMINFO_VARS> meminfo{};
  socklen_t length = sizeof meminfo;
  if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo.data(), &length) != 0) return std::nullopt;
  return meminfo[SK_MEMINFO_DROPS];
}

}  // namespace kinesyslog::net
