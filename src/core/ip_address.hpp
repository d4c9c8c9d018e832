#pragma once
// A sender's address in a compact, hashable form. IPv4 is held as IPv4-mapped IPv6
// (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) so both families share one 16-byte key.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace kinesyslog {

class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress from_v4(const std::array<uint8_t, 4>& octets);
  static IpAddress from_v6(const std::array<uint8_t, 16>& octets);
  // AF_INET or AF_INET6 socket address; anything else yields the unspecified address.
  static IpAddress from_sockaddr(const sockaddr* address);
  // An IPv4 or IPv6 literal ("127.0.0.1", "::1"); nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_v4() const;  // true for IPv4 and IPv4-mapped IPv6 addresses
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  // Dotted quad for IPv4 (also when it arrived as ::ffff:a.b.c.d on a dual-stack socket), RFC 5952 text otherwise.
  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace kinesyslog
