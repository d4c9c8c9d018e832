#include "parse/syslog_parser.hpp"

#include <cstring>

#include "parse/civil_time.hpp"
#include "parse/decimal_digits.hpp"
#include "parse/syslog_timestamp.hpp"

namespace kinesyslog::parse {
namespace {

// RFC 3164 §4.3.3: a relay adds PRI 13 (user.notice) to a message that has none.
constexpr std::string_view kDefaultPri = "<13>";
constexpr std::string_view kVersion = "1 ";  // RFC 5424 §6.2.2
constexpr int64_t kMicrosPerDay = 86'400'000'000;

}  // namespace

void format_received_time(WallTime time, char* out) {
  const int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  const int64_t days = floor_div(micros, kMicrosPerDay);
  const auto micros_of_day = static_cast<uint64_t>(micros - days * kMicrosPerDay);
  const CivilDate date = civil_from_days(days);
  const uint64_t seconds_of_day = micros_of_day / 1'000'000;

  write_decimal(out, static_cast<uint64_t>(date.year), 4);
  out[4] = '-';
  write_decimal(out + 5, date.month, 2);
  out[7] = '-';
  write_decimal(out + 8, date.day, 2);
  out[10] = 'T';
  write_decimal(out + 11, seconds_of_day / 3600, 2);
  out[13] = ':';
  write_decimal(out + 14, seconds_of_day / 60 % 60, 2);
  out[16] = ':';
  write_decimal(out + 17, seconds_of_day % 60, 2);
  out[19] = '.';
  write_decimal(out + 20, micros_of_day % 1'000'000, 6);
  out[26] = 'Z';
}

SyslogParser::SyslogParser() {
  // "<191>1 " + time + " " + the longest IPv6 text (45) + " ", with room to spare.
  rewrite_prefix_.reserve(128);
}

Event SyslogParser::parse(std::string_view message, WallTime received, std::string_view source_text) {
  Event event;
  const PriSplit split = split_pri(message);
  if (const auto timestamp = read_syslog_timestamp(split.rest, received)) {
    event.timestamp_ms = *timestamp;
    event.body = message;
    return event;
  }

  const std::string_view pri = split.pri.empty() ? kDefaultPri : split.pri;
  const size_t size = pri.size() + kVersion.size() + kReceivedTimeLength + 1 + source_text.size() + 1;
  rewrite_prefix_.resize(size);  // within the reserved capacity: no allocation
  char* out = rewrite_prefix_.data();
  std::memcpy(out, pri.data(), pri.size());
  out += pri.size();
  std::memcpy(out, kVersion.data(), kVersion.size());
  out += kVersion.size();
  format_received_time(received, out);
  out += kReceivedTimeLength;
  *out++ = ' ';
  if (!source_text.empty()) std::memcpy(out, source_text.data(), source_text.size());
  out += source_text.size();
  *out = ' ';

  event.timestamp_ms = to_unix_millis(received);
  event.prefix = rewrite_prefix_;
  event.body = split.rest;
  return event;
}

}  // namespace kinesyslog::parse
