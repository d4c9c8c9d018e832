#pragma once
// docs/behaviour.md §3.4 for GELF: the event time is the JSON's top-level "timestamp" member — seconds since
// the Unix epoch, optionally with a fraction — when it is present and a number.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace kinesyslog::parse {

// Milliseconds (truncated) from the text of a JSON number of seconds: "1385053862",
// "1385053862.3072", "-1.5", "1.3850538623072e9"; nullopt when it is not one or is out of range.
std::optional<int64_t> seconds_text_to_ms(std::string_view number);

// One per I/O thread: a reused simdjson parser and padded copy buffer, so no allocation per
// message once both have grown to the longest message.
class GelfTimestampReader {
 public:
  GelfTimestampReader();
  ~GelfTimestampReader();
  GelfTimestampReader(const GelfTimestampReader&) = delete;
  GelfTimestampReader& operator=(const GelfTimestampReader&) = delete;

  // nullopt when the text is not a JSON object, has no top-level numeric "timestamp", or is
  // malformed before that member is reached (only what precedes it is checked).
  std::optional<int64_t> read_ms(std::string_view json);

 private:
  struct Parser;  // keeps simdjson out of this header
  std::unique_ptr<Parser> parser_;
  std::vector<char> padded_;  // the text plus simdjson's required padding
};

}  // namespace kinesyslog::parse
