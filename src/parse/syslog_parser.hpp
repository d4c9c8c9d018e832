#pragma once
// docs/behaviour.md §3.2–§3.3 for syslog: a message becomes an Event whose timestamp is the one in its header,
// or, when none can be read, the receive time, with the message rewritten as
// "<PRI>1 RECEIVED SOURCE REST" so the receive time and sender travel with it.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/event.hpp"

namespace kinesyslog::parse {

// "YYYY-MM-DDTHH:MM:SS.ffffffZ": microseconds, UTC.
inline constexpr size_t kReceivedTimeLength = 27;
// Writes `time` in that form to out[0..kReceivedTimeLength). Years 0000..9999.
void format_received_time(WallTime time, char* out);

// One per I/O thread. No heap allocation per message once the scratch buffer has grown to
// the longest source text seen; the returned views are valid until the next call.
class SyslogParser {
 public:
  SyslogParser();

  // Fills timestamp_ms, prefix and body; the caller assigns the id. When the timestamp was
  // read, prefix is empty and body is all of `message`; otherwise prefix is
  // "<PRI>1 RECEIVED SOURCE " (in this parser's scratch buffer) and body is the message after
  // its PRI (a view into `message`).
  Event parse(std::string_view message, WallTime received, std::string_view source_text);

 private:
  std::string rewrite_prefix_;  // reused for every rewritten message
};

}  // namespace kinesyslog::parse
