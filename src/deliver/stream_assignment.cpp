#include "deliver/stream_assignment.hpp"

#include <optional>

namespace kinesyslog::deliver {
namespace {

// FNV-1a, 64 bits (the published offset basis and prime).
constexpr uint64_t kFnvOffsetBasis = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

constexpr uint64_t fnv1a_step(uint64_t hash, uint8_t byte) { return (hash ^ byte) * kFnvPrime; }

}  // namespace

uint64_t stable_route_hash(const IpAddress& source, uint16_t port) {
  uint64_t hash = kFnvOffsetBasis;
  for (const uint8_t byte : source.bytes()) hash = fnv1a_step(hash, byte);
  hash = fnv1a_step(hash, static_cast<uint8_t>(port >> 8));
  return fnv1a_step(hash, static_cast<uint8_t>(port & 0xff));
}

size_t stream_for_route(std::string_view source, uint16_t port, size_t streams) {
  if (streams <= 1 || source.empty()) return 0;
  const std::optional<IpAddress> address = IpAddress::parse(source);
  if (!address) return 0;
  return static_cast<size_t>(stable_route_hash(*address, port) % streams);
}

}  // namespace kinesyslog::deliver
