#include "aws/iso8601.hpp"

#include <array>
#include <chrono>
#include <cstdint>

#include "core/calendar.hpp"
#include "core/rfc3339.hpp"

namespace kinesyslog::aws {
namespace {

// Reads an IMF-fixdate: exactly `count` digits at a time, literals and names.
class DigitReader {
 public:
  explicit DigitReader(std::string_view text) : text_(text) {}

  std::optional<int> digits(std::size_t count) {
    if (text_.size() - position_ < count) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[position_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    position_ += count;
    return value;
  }

  bool literal(char expected) {
    if (at_end() || text_[position_] != expected) return false;
    ++position_;
    return true;
  }

  // The next `word.size()` characters are `word`.
  bool word(std::string_view expected) {
    if (text_.substr(position_, expected.size()) != expected) return false;
    position_ += expected.size();
    return true;
  }

  bool at_end() const { return position_ >= text_.size(); }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

// "Jan" -> 1 … "Dec" -> 12, as IMF-fixdate writes months (case-sensitive, RFC 7231 7.1.1.1).
std::optional<unsigned> month_by_name(DigitReader& reader) {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned index = 0; index < kMonths.size(); ++index) {
    if (reader.word(kMonths[index])) return index + 1;
  }
  return std::nullopt;
}

std::optional<unsigned> weekday_by_name(DigitReader& reader) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  for (unsigned index = 0; index < kDays.size(); ++index) {
    if (reader.word(kDays[index])) return index;  // std::chrono::weekday counts from Sunday = 0
  }
  return std::nullopt;
}

// hh:mm:ss as seconds since midnight (a leap second 60 is allowed, as RFC 7231 allows it).
std::optional<int> time_of_day_seconds(DigitReader& reader) {
  const auto hour = reader.digits(2);
  if (!hour || *hour > 23 || !reader.literal(':')) return std::nullopt;
  const auto minute = reader.digits(2);
  if (!minute || *minute > 59 || !reader.literal(':')) return std::nullopt;
  const auto second = reader.digits(2);
  if (!second || *second > 60) return std::nullopt;
  return *hour * 3600 + *minute * 60 + *second;
}

}  // namespace

std::optional<WallTime> parse_http_date(std::string_view text) {
  using namespace std::chrono;
  DigitReader reader(text);
  const auto weekday_number = weekday_by_name(reader);
  if (!weekday_number || !reader.word(", ")) return std::nullopt;
  const auto day_number = reader.digits(2);
  if (!day_number || !reader.literal(' ')) return std::nullopt;
  const auto month_number = month_by_name(reader);
  if (!month_number || !reader.literal(' ')) return std::nullopt;
  const auto year_number = reader.digits(4);
  if (!year_number || !reader.literal(' ')) return std::nullopt;
  const auto seconds_of_day = time_of_day_seconds(reader);
  if (!seconds_of_day || !reader.word(" GMT") || !reader.at_end()) return std::nullopt;

  const year_month_day date{year{*year_number}, month{*month_number}, day{static_cast<unsigned>(*day_number)}};
  if (!date.ok() || weekday{sys_days{date}} != weekday{*weekday_number}) return std::nullopt;
  return saturating_wall_time(sys_days{date} + seconds{*seconds_of_day});
}

std::optional<WallTime> parse_iso8601(std::string_view text) {
  const auto time = read_rfc3339(text, Rfc3339Spelling::kAws);
  if (!time || time->length != text.size()) return std::nullopt;
  return saturating_wall_time(time->utc, time->fraction);
}

}  // namespace kinesyslog::aws
