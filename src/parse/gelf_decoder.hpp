#pragma once
// docs/behaviour.md §2.4, §3.4 for GELF: a payload (one UDP datagram, a reassembled chunked message, or one TCP
// message) is plain JSON ("{"), gzip (1f 8b) or zlib (78); it becomes an Event whose body is the
// JSON text, unchanged, and whose timestamp is the JSON's "timestamp" or else the receive time.
//
// The text is not validated as JSON: like the original, any text that arrives as a GELF payload
// is relayed as sent, and only the "timestamp" member is looked for.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "parse/bounded_inflater.hpp"
#include "parse/gelf_timestamp.hpp"

namespace kinesyslog::parse {

// Why payloads were dropped, by kind. The caller counts every dropped payload as gelf_invalid
// already (one metric for all three), so these only tell the kinds apart, for tests.
struct GelfDecoderCounters {
  uint64_t bad_payloads = 0;        // empty (also once inflated), or a first byte neither "{", gzip nor zlib
  uint64_t corrupt_compressed = 0;  // gzip or zlib that does not inflate: damaged or cut short
  uint64_t oversized = 0;           // JSON text over max_message_size (a decompression bomb stops here)
};

// One per I/O thread. No allocation per message once its buffers have grown to the longest
// message; none ever grows past max_message_size (plus simdjson's padding).
class GelfDecoder {
 public:
  explicit GelfDecoder(size_t max_message_size);

  // The event (id left for the caller to assign), or nullopt when the payload is dropped
  // (counted). A message longer than max_message_size is dropped rather than truncated, since
  // cut JSON is no longer a GELF message. `body` points into `payload` (plain JSON) or into this
  // decoder's buffer (inflated); valid until the next call.
  std::optional<Event> decode(std::string_view payload, WallTime received);

  const GelfDecoderCounters& counters() const { return counters_; }

 private:
  std::optional<std::string_view> json_text(std::string_view payload);

  size_t max_message_size_;
  BoundedInflater inflater_;
  GelfTimestampReader timestamps_;
  GelfDecoderCounters counters_;
};

}  // namespace kinesyslog::parse
