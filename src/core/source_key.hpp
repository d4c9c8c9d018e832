#pragma once
// Events are grouped by (source address, receiving port) — docs/behaviour.md §4.1 — and the protocol
// decides the logGroup (<prefix>/syslog/<port> or <prefix>/gelf/<port>).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

#include "core/hash_seed.hpp"
#include "core/ip_address.hpp"

namespace kinesyslog {

enum class Protocol : uint8_t { kSyslog, kGelf };

constexpr std::string_view protocol_name(Protocol protocol) {
  return protocol == Protocol::kGelf ? "gelf" : "syslog";
}

struct SourceKey {
  IpAddress source;
  uint16_t port = 0;  // the relay's receiving port
  Protocol protocol = Protocol::kSyslog;

  friend bool operator==(const SourceKey&, const SourceKey&) = default;
};

// Seeded (default: the process's seed) because peers choose the addresses: a UDP sender can
// spoof them, an IPv6 host owns a /64.
struct IpAddressHash {
  uint64_t seed = process_hash_seed();

  // The two 8-byte halves chained through mix64, a bijection: addresses differing only in the
  // half a host controls never share a full hash, and which buckets they share depends on the seed.
  uint64_t hash64(const IpAddress& address) const noexcept {
    uint64_t high = 0;
    uint64_t low = 0;
    std::memcpy(&high, address.bytes().data(), sizeof high);
    std::memcpy(&low, address.bytes().data() + sizeof high, sizeof low);
    return mix64(mix64(seed ^ high) ^ low);
  }
  size_t operator()(const IpAddress& address) const noexcept { return static_cast<size_t>(hash64(address)); }
};

// IpAddressHash's, with the port and the protocol mixed in.
struct SourceKeyHash {
  uint64_t seed = process_hash_seed();

  size_t operator()(const SourceKey& key) const noexcept {
    const uint64_t port_and_protocol = uint64_t{key.port} << 8 | static_cast<uint8_t>(key.protocol);
    return static_cast<size_t>(mix64(IpAddressHash{seed}.hash64(key.source) ^ port_and_protocol));
  }
};

}  // namespace kinesyslog
