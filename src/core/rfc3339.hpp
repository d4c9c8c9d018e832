#pragma once
// The one reader of RFC 3339 date-times ("2003-10-11T22:14:15.003Z"), in the two spellings
// the relay meets: syslog headers and the timestamps AWS writes. Nothing here allocates.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace kinesyslog {

enum class Rfc3339Spelling {
  // RFC 5424 §6.2.3: "T" and "Z" in either case (RFC 3339 §5.6 NOTE), "." before the fraction,
  // offsets only as ±hh:mm.
  kSyslog,
  // ISO 8601 as botocore's dateutil reads AWS's credential expirations: kSyslog's, plus a space
  // for "T", "," before the fraction, and offsets written ±hhmm or ±hh.
  kAws,
};

struct Rfc3339Time {
  std::chrono::sys_seconds utc;      // the offset already applied
  std::chrono::nanoseconds fraction; // [0, 1 s): digits past the ninth are dropped
  std::size_t length = 0;            // characters read from the start of the text
};

// A date-time at the start of `text`: `YYYY-MM-DDThh:mm:ss[.fraction]` and a zone ("Z" or an
// offset; a time without one is ambiguous). Hours 0..23, minutes and seconds 0..59 (no leap
// second), dates that exist (no Feb 30). The caller decides what may follow (see `length`).
std::optional<Rfc3339Time> read_rfc3339(std::string_view text, Rfc3339Spelling spelling);

}  // namespace kinesyslog
