#pragma once
// Which of several streams a spool file goes to. Every relay of a fleet, in every run, must
// send one host's records to the same stream, so the hash is fixed and unseeded: 64-bit FNV-1a
// over the source address's 16 bytes (an IPv4 address as ::ffff:a.b.c.d, RFC 4291 §2.5.5.2)
// followed by the receiving port, high byte first; the stream is that hash modulo the number
// of streams. Peers cannot make this spread unevenly on purpose to any effect beyond their own
// records: it only picks a stream, never a table bucket.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/ip_address.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::deliver {

uint64_t stable_route_hash(const IpAddress& source, uint16_t port);

// Index in [0, streams) of the stream for records from `source` (address text) received on
// `port`; 0 when the text is empty or no address (files without a route) or streams <= 1.
size_t stream_for_route(std::string_view source, uint16_t port, size_t streams);

inline size_t stream_of(const spool::SpoolFile& file, size_t streams) {
  return stream_for_route(file.source, file.port, streams);
}

}  // namespace kinesyslog::deliver
