#include "core/rfc3339.hpp"

#include "core/calendar.hpp"

namespace kinesyslog {
namespace {

// A cursor over the text; each read checks bounds and leaves the position alone on failure.
class Rfc3339Cursor {
 public:
  explicit Rfc3339Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return position_ == text_.size(); }
  bool peek_digit() const { return !at_end() && is_digit(text_[position_]); }
  bool peek(char expected) const { return !at_end() && text_[position_] == expected; }
  std::size_t position() const { return position_; }

  bool skip(char expected) {
    if (!peek(expected)) return false;
    ++position_;
    return true;
  }

  // A plain loop rather than string_view::find: this runs per syslog message, find calls memchr.
  bool skip_any_of(std::string_view choices) {
    if (at_end()) return false;
    for (const char choice : choices) {
      if (text_[position_] == choice) {
        ++position_;
        return true;
      }
    }
    return false;
  }

  // Exactly `count` decimal digits, at most `maximum` in value.
  bool read_number(std::size_t count, unsigned maximum, unsigned& value) {
    if (text_.size() - position_ < count) return false;
    unsigned result = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char digit = text_[position_ + i];
      if (!is_digit(digit)) return false;
      result = result * 10 + static_cast<unsigned>(digit - '0');
    }
    if (result > maximum) return false;
    position_ += count;
    value = result;
    return true;
  }

  // One or more digits of a fraction of a second, all read, kept to the nanosecond.
  bool read_fraction(std::chrono::nanoseconds& fraction) {
    const std::size_t start = position_;
    int64_t nanoseconds = 0;
    for (int64_t scale = 100'000'000; peek_digit(); scale /= 10, ++position_) {
      nanoseconds += (text_[position_] - '0') * scale;
    }
    fraction = std::chrono::nanoseconds{nanoseconds};
    return position_ > start;
  }

 private:
  static constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

  std::string_view text_;
  std::size_t position_ = 0;
};

// "Z", or an offset as seconds east of UTC.
bool read_zone(Rfc3339Cursor& cursor, Rfc3339Spelling spelling, int& offset_seconds) {
  offset_seconds = 0;
  if (cursor.skip_any_of("Zz")) return true;
  const bool ahead = cursor.skip('+');
  if (!ahead && !cursor.skip('-')) return false;
  unsigned hours = 0, minutes = 0;
  if (!cursor.read_number(2, 23, hours)) return false;
  if (spelling == Rfc3339Spelling::kSyslog) {
    if (!(cursor.skip(':') && cursor.read_number(2, 59, minutes))) return false;
  } else if (cursor.peek(':') || cursor.peek_digit()) {  // ±hh:mm or ±hhmm; ±hh alone otherwise
    cursor.skip(':');
    if (!cursor.read_number(2, 59, minutes)) return false;
  }
  offset_seconds = static_cast<int>(hours * 3600 + minutes * 60);
  if (!ahead) offset_seconds = -offset_seconds;
  return true;
}

}  // namespace

std::optional<Rfc3339Time> read_rfc3339(std::string_view text, Rfc3339Spelling spelling) {
  using namespace std::chrono;
  const bool aws = spelling == Rfc3339Spelling::kAws;
  Rfc3339Cursor cursor(text);
  unsigned year_number = 0, month_number = 0, day_number = 0, hour = 0, minute = 0, second = 0;
  if (!(cursor.read_number(4, 9999, year_number) && cursor.skip('-') && cursor.read_number(2, 99, month_number) &&
        cursor.skip('-') && cursor.read_number(2, 99, day_number))) {
    return std::nullopt;
  }
  const auto date = existing_date(static_cast<int>(year_number), month_number, day_number);
  if (!date || !cursor.skip_any_of(aws ? "Tt " : "Tt")) return std::nullopt;
  if (!(cursor.read_number(2, 23, hour) && cursor.skip(':') && cursor.read_number(2, 59, minute) &&
        cursor.skip(':') && cursor.read_number(2, 59, second))) {
    return std::nullopt;
  }
  nanoseconds fraction{0};
  if (cursor.skip_any_of(aws ? ".," : ".") && !cursor.read_fraction(fraction)) return std::nullopt;
  int offset_seconds = 0;
  if (!read_zone(cursor, spelling, offset_seconds)) return std::nullopt;

  const sys_seconds local = sys_days{*date} + hours{hour} + minutes{minute} + seconds{second};
  return Rfc3339Time{local - seconds{offset_seconds}, fraction, cursor.position()};
}

}  // namespace kinesyslog
