#include "core/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace kinesyslog {

namespace {
constexpr std::array<uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

IpAddress IpAddress::from_v4(const std::array<uint8_t, 4>& octets) {
  IpAddress address;
  std::memcpy(address.bytes_.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
  std::memcpy(address.bytes_.data() + 12, octets.data(), 4);
  return address;
}

IpAddress IpAddress::from_v6(const std::array<uint8_t, 16>& octets) {
  IpAddress address;
  address.bytes_ = octets;
  return address;
}

IpAddress IpAddress::from_sockaddr(const sockaddr* address) {
  if (address == nullptr) return {};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::array<uint8_t, 4> octets;
    std::memcpy(octets.data(), &v4->sin_addr, 4);
    return from_v4(octets);
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::array<uint8_t, 16> octets;
    std::memcpy(octets.data(), &v6->sin6_addr, 16);
    return from_v6(octets);
  }
  return {};
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  std::array<uint8_t, 4> v4;
  if (inet_pton(AF_INET, buffer, v4.data()) == 1) return from_v4(v4);
  std::array<uint8_t, 16> v6;
  if (inet_pton(AF_INET6, buffer, v6.data()) == 1) return from_v6(v6);
  return std::nullopt;
}

bool IpAddress::is_v4() const {
  return std::memcmp(bytes_.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes_.data() + 12, buffer, sizeof buffer);
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buffer, sizeof buffer);
  }
  return buffer;
}

}  // namespace kinesyslog
