#include "net/trusted_proxies.hpp"

#include <charconv>

namespace kinesyslog::net {
namespace {

constexpr unsigned kMappedPrefixBits = 96;  // ::ffff:0:0/96, RFC 4291 §2.5.5.2

// True when the first `bits` bits of `a` and `b` agree.
bool same_prefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, unsigned bits) {
  const unsigned whole_bytes = bits / 8;
  for (unsigned i = 0; i < whole_bytes; ++i) {
    if (a[i] != b[i]) return false;
  }
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[whole_bytes] & mask) == (b[whole_bytes] & mask);
}

}  // namespace

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  const size_t slash = text.find('/');
  const std::optional<IpAddress> network = IpAddress::parse(text.substr(0, slash));
  if (!network) return std::nullopt;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  const unsigned family_bits = v4 ? 32 : 128;
  unsigned bits = family_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || bits > family_bits) {
      return std::nullopt;
    }
  }
  AddressRange range;
  range.network_ = *network;
  range.prefix_bits_ = v4 ? kMappedPrefixBits + bits : bits;
  // A range given with host bits set is most likely a typo for another range: refuse it.
  for (unsigned bit = range.prefix_bits_; bit < 128; ++bit) {
    if ((network->bytes()[bit / 8] >> (7 - bit % 8)) & 1) return std::nullopt;
  }
  return range;
}

bool AddressRange::contains(const IpAddress& address) const {
  return same_prefix(network_.bytes(), address.bytes(), prefix_bits_);
}

std::optional<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& texts) {
  std::vector<AddressRange> ranges;
  for (const std::string& text : texts) {
    std::optional<AddressRange> range = AddressRange::parse(text);
    if (!range) return std::nullopt;
    ranges.push_back(*range);
  }
  return TrustedProxies(std::move(ranges));
}

bool TrustedProxies::allows(const IpAddress& peer) const {
  for (const AddressRange& range : ranges_) {
    if (range.contains(peer)) return true;
  }
  return false;
}

}  // namespace kinesyslog::net
