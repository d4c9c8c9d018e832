#include "parse/syslog_parser.hpp"

#include <cstring>

#include "core/calendar.hpp"
#include "parse/decimal_digits.hpp"
#include "parse/syslog_timestamp.hpp"

namespace kinesyslog::parse {
namespace {

// RFC 3164 §4.3.3: a relay adds PRI 13 (user.notice) to a message that has none.
constexpr std::string_view kDefaultPri = "<13>";
constexpr std::string_view kVersion = "1 ";  // RFC 5424 §6.2.2

}  // namespace

void format_received_time(WallTime time, char* out) {
  const UtcDateTime utc = utc_date_time(time);
  write_decimal(out, static_cast<uint64_t>(static_cast<int>(utc.date.year())), 4);
  out[4] = '-';
  write_decimal(out + 5, static_cast<unsigned>(utc.date.month()), 2);
  out[7] = '-';
  write_decimal(out + 8, static_cast<unsigned>(utc.date.day()), 2);
  out[10] = 'T';
  write_decimal(out + 11, static_cast<uint64_t>(utc.time.hours().count()), 2);
  out[13] = ':';
  write_decimal(out + 14, static_cast<uint64_t>(utc.time.minutes().count()), 2);
  out[16] = ':';
  write_decimal(out + 17, static_cast<uint64_t>(utc.time.seconds().count()), 2);
  out[19] = '.';
  write_decimal(out + 20, static_cast<uint64_t>(utc.time.subseconds().count()), 6);
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
