#include "parse/gelf_decoder.hpp"

namespace kinesyslog::parse {
namespace {

bool starts_with_bytes(std::string_view payload, unsigned char first) {
  return !payload.empty() && static_cast<unsigned char>(payload[0]) == first;
}

bool starts_with_bytes(std::string_view payload, unsigned char first, unsigned char second) {
  return payload.size() >= 2 && static_cast<unsigned char>(payload[0]) == first &&
         static_cast<unsigned char>(payload[1]) == second;
}

}  // namespace

GelfDecoder::GelfDecoder(size_t max_message_size)
    : max_message_size_(max_message_size), inflater_(max_message_size) {}

std::optional<Event> GelfDecoder::decode(std::string_view payload, WallTime received) {
  const std::optional<std::string_view> json = json_text(payload);
  if (!json) return std::nullopt;
  Event event;
  event.body = *json;
  event.timestamp_ms = timestamps_.read_ms(*json).value_or(to_unix_millis(received));
  return event;
}

std::optional<std::string_view> GelfDecoder::json_text(std::string_view payload) {
  if (starts_with_bytes(payload, '{')) {
    if (payload.size() <= max_message_size_) return payload;
    ++counters_.oversized;
    return std::nullopt;
  }
  BoundedInflater::Format format;
  if (starts_with_bytes(payload, 0x1f, 0x8b)) {
    format = BoundedInflater::Format::kGzip;
  } else if (starts_with_bytes(payload, 0x78)) {
    format = BoundedInflater::Format::kZlib;  // RFC 1950: 78 is deflate with a 32 KiB window
  } else {
    ++counters_.bad_payloads;
    return std::nullopt;
  }
  switch (inflater_.inflate(payload, format)) {
    case BoundedInflater::Result::kComplete:
      if (!inflater_.output().empty()) return inflater_.output();
      ++counters_.bad_payloads;  // nothing to relay
      return std::nullopt;
    case BoundedInflater::Result::kTooLarge: ++counters_.oversized; return std::nullopt;
    case BoundedInflater::Result::kCorrupt: ++counters_.corrupt_compressed; return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace kinesyslog::parse
