#include "parse/syslog_timestamp.hpp"

#include <chrono>

#include "core/calendar.hpp"
#include "core/rfc3339.hpp"
#include "parse/decimal_digits.hpp"

namespace kinesyslog::parse {
namespace {

using std::chrono::milliseconds;
// docs/behaviour.md §3.2: an RFC 3164 date without a year is last year's when this year's is further ahead.
constexpr int64_t kMaxFutureMillis = std::chrono::duration_cast<milliseconds>(std::chrono::days{2}).count();

// A cursor over the header; every read checks bounds and leaves the position unchanged on failure.
class HeaderCursor {
 public:
  explicit HeaderCursor(std::string_view text) : text_(text) {}

  bool at_end() const { return position_ == text_.size(); }
  bool peek_is(char expected) const { return !at_end() && text_[position_] == expected; }

  bool skip(char expected) {
    if (!peek_is(expected)) return false;
    ++position_;
    return true;
  }

  // Exactly `count` decimal digits.
  bool read_digits(size_t count, unsigned& value) {
    if (text_.size() - position_ < count) return false;
    unsigned result = 0;
    for (size_t i = 0; i < count; ++i) {
      const char digit = text_[position_ + i];
      if (!is_digit(digit)) return false;
      result = result * 10 + static_cast<unsigned>(digit - '0');
    }
    position_ += count;
    value = result;
    return true;
  }

  // RFC 3164 §4.1.2 month abbreviation, matched without regard to case as strptime's %b does.
  bool read_month_name(unsigned& month) {
    static constexpr std::string_view kMonths = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
    if (text_.size() - position_ < 3) return false;
    char upper[3];
    for (size_t i = 0; i < 3; ++i) upper[i] = static_cast<char>(text_[position_ + i] & ~0x20);
    for (unsigned index = 0; index < 12; ++index) {
      const std::string_view name = kMonths.substr(index * 3, 3);
      if (name[0] == upper[0] && name[1] == upper[1] && name[2] == upper[2]) {
        month = index + 1;
        position_ += 3;
        return true;
      }
    }
    return false;
  }

  // A header field ends at SP or at the end of the message.
  bool at_field_end() const { return at_end() || text_[position_] == ' '; }

  size_t position() const { return position_; }
  void rewind(size_t position) { position_ = position; }

 private:
  std::string_view text_;
  size_t position_ = 0;
};

struct TimeOfDay {
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
};

// "hh:mm:ss" with hour 0..23, minute 0..59, second 0..59 (no leap second, as in RFC 5424 §6.2.3).
bool read_time_of_day(HeaderCursor& cursor, TimeOfDay& time) {
  return cursor.read_digits(2, time.hour) && time.hour <= 23 && cursor.skip(':') &&
         cursor.read_digits(2, time.minute) && time.minute <= 59 && cursor.skip(':') &&
         cursor.read_digits(2, time.second) && time.second <= 59;
}

int64_t unix_millis(std::chrono::year_month_day date, const TimeOfDay& time) {
  using namespace std::chrono;
  const auto instant = sys_days{date} + hours{time.hour} + minutes{time.minute} + seconds{time.second};
  return duration_cast<milliseconds>(instant.time_since_epoch()).count();
}

// RFC 3164 day of month: "dd", " d" (space-padded, as §4.1.2 asks) or a bare "d".
bool read_day_of_month(HeaderCursor& cursor, unsigned& day) {
  if (cursor.skip(' ')) return cursor.read_digits(1, day);
  if (cursor.read_digits(2, day)) return true;
  return cursor.read_digits(1, day);
}

}  // namespace

PriSplit split_pri(std::string_view message) {
  // "<" + 1..3 digits + ">" (RFC 5424 §6.2.1: PRIVAL 0..191).
  if (message.empty() || message[0] != '<') return {{}, message};
  unsigned value = 0;
  size_t position = 1;
  while (position < message.size() && position <= 3 && message[position] >= '0' && message[position] <= '9') {
    value = value * 10 + static_cast<unsigned>(message[position] - '0');
    ++position;
  }
  const bool has_digits = position > 1;
  if (!has_digits || position >= message.size() || message[position] != '>' || value > 191) return {{}, message};
  return {message.substr(0, position + 1), message.substr(position + 1)};
}

std::optional<int64_t> read_rfc3339_timestamp(std::string_view text) {
  const auto time = read_rfc3339(text, Rfc3339Spelling::kSyslog);
  // A header field ends at SP or at the end of the message.
  if (!time || !(time->length == text.size() || text[time->length] == ' ')) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(time->utc.time_since_epoch()).count() +
         std::chrono::duration_cast<milliseconds>(time->fraction).count();
}

std::optional<int64_t> read_rfc3164_timestamp(std::string_view text, WallTime received) {
  HeaderCursor cursor(text);
  unsigned month = 0, day = 0;
  TimeOfDay time;
  if (!(cursor.read_month_name(month) && cursor.skip(' ') && read_day_of_month(cursor, day) && day >= 1 &&
        cursor.skip(' ') && read_time_of_day(cursor, time) && cursor.at_field_end())) {
    return std::nullopt;
  }

  // An optional year after the seconds; four digits not followed by SP are not a year.
  const size_t after_time = cursor.position();
  unsigned explicit_year = 0;
  if (cursor.skip(' ') && cursor.read_digits(4, explicit_year) && cursor.at_field_end()) {
    const auto date = existing_date(static_cast<int>(explicit_year), month, day);
    if (!date) return std::nullopt;
    return unix_millis(*date, time);
  }
  cursor.rewind(after_time);

  const int64_t received_millis = to_unix_millis(received);
  const int received_year =
      static_cast<int>(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(received)}.year());
  auto date = existing_date(received_year, month, day);
  if (!date) return std::nullopt;
  int64_t millis = unix_millis(*date, time);
  if (millis - received_millis > kMaxFutureMillis) {
    date = existing_date(received_year - 1, month, day);
    if (!date) return std::nullopt;  // Feb 29 of a leap year, seen a year early
    millis = unix_millis(*date, time);
  }
  return millis;
}

std::optional<int64_t> read_syslog_timestamp(std::string_view header, WallTime received) {
  // RFC 5424 §6.2.2: VERSION "1" and SP precede the timestamp.
  if (header.size() >= 2 && header[0] == '1' && header[1] == ' ') return read_rfc3339_timestamp(header.substr(2));
  return read_rfc3164_timestamp(header, received);
}

}  // namespace kinesyslog::parse
