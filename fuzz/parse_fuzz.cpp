// Any bytes through SyslogParser: it must never crash, and what it returns must be
// consistent — either the whole message untouched, or "<PRI>1 RECEIVED SOURCE " + the rest.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "parse/syslog_parser.hpp"
#include "parse/syslog_timestamp.hpp"
#include "require.hpp"

namespace {

using kinesyslog::WallTime;
namespace parse = kinesyslog::parse;

// Milliseconds since the epoch at midnight UTC of a date.
int64_t unix_millis_at(int year, unsigned month, unsigned day) {
  using namespace std::chrono;
  const sys_days date{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
  return duration_cast<milliseconds>(date.time_since_epoch()).count();
}

// Input layout: 8 bytes of receive time, 1 byte source length, the source, then the message.
struct FuzzInput {
  WallTime received;
  std::string_view source;
  std::string_view message;
};

FuzzInput split_input(const uint8_t* data, size_t size) {
  FuzzInput input;
  uint64_t raw_time = 0;
  if (size >= sizeof raw_time) {
    std::memcpy(&raw_time, data, sizeof raw_time);
    data += sizeof raw_time;
    size -= sizeof raw_time;
  }
  // Keep the receive time within 1970..2230 so system_clock's nanoseconds never overflow.
  constexpr uint64_t kSpanNanos = 260ULL * 365 * 86'400 * 1'000'000'000;
  input.received = WallTime{std::chrono::nanoseconds{static_cast<int64_t>(raw_time % kSpanNanos)}};
  size_t source_length = 0;
  if (size > 0) {
    source_length = data[0] % 64;
    ++data;
    --size;
  }
  if (source_length > size) source_length = size;
  input.source = {reinterpret_cast<const char*>(data), source_length};
  input.message = {reinterpret_cast<const char*>(data + source_length), size - source_length};
  return input;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static parse::SyslogParser parser;
  const FuzzInput input = split_input(data, size);
  const kinesyslog::Event event = parser.parse(input.message, input.received, input.source);

  if (event.prefix.empty()) {
    require(event.body.data() == input.message.data() && event.body.size() == input.message.size());
    const auto timestamp = parse::read_syslog_timestamp(parse::split_pri(input.message).rest, input.received);
    require(timestamp && *timestamp == event.timestamp_ms);
    // Four-digit years: every readable instant lies within 0000-01-01 .. 9999-12-31, ± a day of offset.
    constexpr int64_t kMillisPerDay = 86'400'000;
    require(event.timestamp_ms >= unix_millis_at(0, 1, 1) - kMillisPerDay);
    require(event.timestamp_ms < unix_millis_at(10000, 1, 2));
    return 0;
  }

  // Rewritten: the body is the tail of the message, the PRI in front of it is the prefix's own.
  require(event.body.data() + event.body.size() == input.message.data() + input.message.size());
  const std::string_view head = input.message.substr(0, input.message.size() - event.body.size());
  const std::string_view pri = event.prefix.substr(0, event.prefix.find('>') + 1);
  require(head.empty() ? pri == "<13>" : pri == head);
  require(event.prefix.size() == pri.size() + 2 + parse::kReceivedTimeLength + 1 + input.source.size() + 1);
  require(event.prefix.substr(pri.size(), 2) == "1 ");
  require(event.prefix.substr(event.prefix.size() - input.source.size() - 1, input.source.size()) == input.source);
  require(event.prefix.back() == ' ');
  require(event.timestamp_ms == kinesyslog::to_unix_millis(input.received));
  return 0;
}
