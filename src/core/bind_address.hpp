#pragma once
// The address the listeners bind, parsed once from its text. An IPv6 literal ("::", and also
// "::ffff:10.0.0.1") opens IPv6 sockets that take IPv4 as well; an IPv4 literal opens IPv4 ones.
#include <optional>
#include <string_view>

#include "core/ip_address.hpp"

namespace kinesyslog {

struct BindAddress {
  IpAddress ip;
  bool ipv6_literal = false;  // written as IPv6: an AF_INET6 socket, IPV6_V6ONLY off

  // An IPv4 or IPv6 literal; nullopt when it is neither.
  static std::optional<BindAddress> parse(std::string_view text) {
    const std::optional<IpAddress> ip = IpAddress::parse(text);
    if (!ip) return std::nullopt;
    return BindAddress{*ip, text.find(':') != std::string_view::npos};
  }
};

}  // namespace kinesyslog
