#pragma once
// Small builders shared by the batch tests.
#include <cstdio>
#include <string>
#include <string_view>

#include "batch/open_batch.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/ip_address.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::batch::testing {

// An id whose last digits are `counter`, like the relay's compressible ids (docs/behaviour.md §3.5).
inline EventId make_id(unsigned long long counter) {
  EventId id;
  char text[EventId::kDigits + 1];
  std::snprintf(text, sizeof text, "%020llu%036llu", 12345678901234567890ULL, counter);
  for (size_t i = 0; i < EventId::kDigits; ++i) id.digits[i] = text[i];
  return id;
}

inline Event make_event(unsigned long long counter, std::string_view body, std::string_view prefix = {},
                        int64_t timestamp_ms = 1519247270239) {
  Event event;
  event.id = make_id(counter);
  event.timestamp_ms = timestamp_ms;
  event.prefix = prefix;
  event.body = body;
  return event;
}

inline SourceKey make_key(std::string_view address, uint16_t port, Protocol protocol = Protocol::kSyslog) {
  return SourceKey{*IpAddress::parse(address), port, protocol};
}

// The JSON text of one event exactly as OpenBatch writes it: a batch of that one event.
inline std::string event_json(const Event& event) {
  OpenBatch batch(make_key("127.0.0.1", 5514));
  batch.append(event, WallTime{}, SteadyTime{});
  return batch.close().events_json;
}

}  // namespace kinesyslog::batch::testing
