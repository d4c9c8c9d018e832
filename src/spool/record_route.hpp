#pragma once
// Where a record's events came from, carried in its spool file's name so that a restart still
// knows it: `firehose_event-<unique>~<address>~<port>`. '~' never occurs in the unique part,
// in our older names nor in the original Python relay's (mkstemp: letters, digits, '_'), so
// those parse as "no route". An IPv6 address is written with '_' for ':' (RFC 5952 text
// otherwise), which keeps the name free of characters other tools treat specially.
#include <cstdint>
#include <string>
#include <string_view>

namespace kinesyslog::spool {

struct RecordRoute {
  std::string source;  // address text (RFC 5952 for IPv6, dotted quad for IPv4); empty: unknown
  uint16_t port = 0;   // the relay's receiving port

  bool empty() const { return source.empty(); }
  friend bool operator==(const RecordRoute&, const RecordRoute&) = default;
};

// "~<address>~<port>", or "" for an empty route (the name then looks as before routes existed).
std::string route_suffix(const RecordRoute& route);

// The route at the end of a record's name; empty when it carries none or the text is not one
// we would have written (an address that does not parse, a port out of range).
RecordRoute route_from_name(std::string_view name);

}  // namespace kinesyslog::spool
