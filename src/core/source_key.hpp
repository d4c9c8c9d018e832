#pragma once
// Events are grouped by (source address, receiving port) — SPEC §4 — and the protocol
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

// Seeded (default: the process's seed) because peers choose the keys: a UDP sender can spoof
// addresses, an IPv6 host owns a /64.
struct SourceKeyHash {
  uint64_t seed = process_hash_seed();

  size_t operator()(const SourceKey& key) const noexcept {
    // FNV-1a from a seeded start over the 16 address bytes, the port and the protocol, then mixed.
    uint64_t hash = 1469598103934665603ULL ^ seed;
    for (uint8_t byte : key.source.bytes()) hash = (hash ^ byte) * 1099511628211ULL;
    hash = (hash ^ key.port) * 1099511628211ULL;
    hash = (hash ^ static_cast<uint8_t>(key.protocol)) * 1099511628211ULL;
    return static_cast<size_t>(mix64(hash ^ seed));
  }
};

}  // namespace kinesyslog
