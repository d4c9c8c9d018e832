#pragma once
// Reading the header of a syslog message (docs/behaviour.md §3.2): the PRI and the timestamp, by hand,
// over string_views into the receive buffer. Nothing here allocates.
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.hpp"

namespace kinesyslog::parse {

// The message split at its PRI (RFC 5424 §6.2.1, RFC 3164 §4.1.1): "<" 1-3 digits ">" with a
// value of 0..191. A message without a valid PRI has an empty `pri` and `rest` is all of it.
struct PriSplit {
  std::string_view pri;   // "<34>" exactly as written, or empty
  std::string_view rest;  // everything after the PRI
};
PriSplit split_pri(std::string_view message);

// An RFC 3339 timestamp as RFC 5424 §6.2.3 uses it, at the start of `text` and followed by
// SP or the end: "2003-10-11T22:14:15.003Z", "2003-08-24T05:14:15.000003-07:00". `T` and `Z`
// in either case, a fraction of any length (truncated to milliseconds), the offset applied
// to give UTC. Returns milliseconds since the Unix epoch, or nullopt when the text is not
// such a timestamp or names an impossible date or time (Feb 30, hour 24, second 60).
std::optional<int64_t> read_rfc3339_timestamp(std::string_view text);

// An RFC 3164 §4.1.2 timestamp at the start of `text`: "Mmm dd hh:mm:ss", the day padded with
// a space or not ("Feb  4", "Feb 4", "Feb 04"), optionally " YYYY", then SP or the end. The
// time is UTC. Without a year it is the year of `received` (UTC), unless that lands more than
// two days after `received`, then the year before.
std::optional<int64_t> read_rfc3164_timestamp(std::string_view text, WallTime received);

// The timestamp of a syslog header (the message after its PRI): "1 " and an RFC 3339
// timestamp (RFC 5424; the NILVALUE "-" is not a timestamp), or an RFC 3164 timestamp.
std::optional<int64_t> read_syslog_timestamp(std::string_view header, WallTime received);

}  // namespace kinesyslog::parse
