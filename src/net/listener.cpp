#include "net/listener.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/port_claim.hpp"

namespace kinesyslog::net {

namespace {

// Large receive buffers absorb UDP bursts while a thread is busy (the kernel caps the
// request at net.core.rmem_max unless SO_RCVBUFFORCE is allowed, which needs CAP_NET_ADMIN).
constexpr int kUdpReceiveBuffer = 8 * 1024 * 1024;
constexpr int kListenBacklog = 4096;

void set_int_option(int fd, int level, int name, int value) {
  (void)::setsockopt(fd, level, name, &value, sizeof value);
}

}  // namespace

const char* listener_kind(const ListenerSpec& spec) {
  if (spec.framing == StreamFraming::kRelp) return spec.transport == Transport::kTls ? "RELP/TLS" : "RELP";
  return transport_name(spec.transport);
}

UniqueFd open_listener(const IpAddress& address, bool ipv6_literal, const ListenerSpec& spec) {
  const int family = ipv6_literal ? AF_INET6 : AF_INET;
  const int type = (is_stream(spec.transport) ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  const std::string where = fmt::format(
      "{} {}:{}", listener_kind(spec), ipv6_literal ? "[" + address.to_string() + "]" : address.to_string(), spec.port);
  // Port 0 asks the kernel for a free port, which no other process can hold.
  if (spec.port != 0) claim_port(is_stream(spec.transport) ? "tcp" : "udp", address, spec.port, where);
  UniqueFd fd(::socket(family, type, 0));
  if (!fd) throw BindError(fmt::format("cannot create a socket for {}: {}", where, std::strerror(errno)), errno);

  set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1);
  set_int_option(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1);
  if (ipv6_literal) set_int_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 0);  // "::" also takes IPv4
  if (spec.transport == Transport::kUdp) {
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kUdpReceiveBuffer, sizeof kUdpReceiveBuffer) != 0) {
      set_int_option(fd.get(), SOL_SOCKET, SO_RCVBUF, kUdpReceiveBuffer);
    }
  }

  sockaddr_storage storage{};
  socklen_t length = 0;
  if (ipv6_literal) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(spec.port);
    std::memcpy(&v6->sin6_addr, address.bytes().data(), 16);
    length = sizeof *v6;
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(spec.port);
    std::memcpy(&v4->sin_addr, address.bytes().data() + 12, 4);
    length = sizeof *v4;
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    const int error = errno;
    const char* hint = error == EACCES       ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
                       : error == EADDRINUSE ? " (another process is listening there)"
                                             : "";
    throw BindError(fmt::format("cannot listen on {}: {}{}", where, std::strerror(error), hint), error);
  }
  if (is_stream(spec.transport) && ::listen(fd.get(), kListenBacklog) != 0) {
    throw BindError(fmt::format("cannot listen on {}: {}", where, std::strerror(errno)), errno);
  }
  return fd;
}

std::vector<std::vector<UniqueFd>> open_listeners(const IpAddress& address, bool ipv6_literal,
                                                  const std::vector<ListenerSpec>& specs, size_t threads) {
  std::vector<std::vector<UniqueFd>> sockets(threads);
  for (auto& per_thread : sockets) {
    per_thread.reserve(specs.size());
    for (const auto& spec : specs) per_thread.push_back(open_listener(address, ipv6_literal, spec));
  }
  return sockets;
}

}  // namespace kinesyslog::net
