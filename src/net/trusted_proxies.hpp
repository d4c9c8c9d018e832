#pragma once
// Who may send a PROXY header (--proxy-from): a header names the source address records are
// filed under, so from any other peer it would let a client claim any address.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"

namespace kinesyslog::net {

// An address range: an IPv4 or IPv6 literal with an optional /prefix length (a bare
// address is one host). IPv4 ranges are held as IPv4-mapped IPv6 (as IpAddress holds
// IPv4), so an IPv4 peer on a dual-stack socket (::ffff:a.b.c.d) matches them.
class AddressRange {
 public:
  // nullopt when `text` is not such a range (or has bits set past its prefix, e.g. 10.0.0.1/8).
  static std::optional<AddressRange> parse(std::string_view text);

  bool contains(const IpAddress& address) const;

 private:
  IpAddress network_;
  unsigned prefix_bits_ = 128;  // of the 16-byte form
};

class TrustedProxies {
 public:
  explicit TrustedProxies(std::vector<AddressRange> ranges) : ranges_(std::move(ranges)) {}

  // Each text a range as AddressRange::parse takes it; nullopt when one is not.
  static std::optional<TrustedProxies> parse(const std::vector<std::string>& texts);

  bool allows(const IpAddress& peer) const;

 private:
  std::vector<AddressRange> ranges_;
};

}  // namespace kinesyslog::net
