#pragma once
// One received message on its way into a batch. Views only: `prefix` points into the
// parser's scratch space and `body` into the receive buffer; both must outlive the
// batch append, after which nothing refers to them (docs/architecture.md#data-path: one copy per message).
#include <array>
#include <cstdint>
#include <string_view>

namespace kinesyslog {

// docs/behaviour.md §3.5: 56 decimal digits.
struct EventId {
  static constexpr size_t kDigits = 56;
  std::array<char, kDigits> digits{};
  std::string_view view() const { return {digits.data(), digits.size()}; }
};

struct Event {
  EventId id;
  int64_t timestamp_ms = 0;   // milliseconds since the Unix epoch
  std::string_view prefix;    // text placed before body (the "<PRI>1 RECEIVED SOURCE " rewrite); often empty
  std::string_view body;      // raw message bytes, possibly invalid UTF-8; escaped when appended

  size_t message_size() const { return prefix.size() + body.size(); }
};

}  // namespace kinesyslog
