#pragma once
// The one calendar: C++20's <chrono> proleptic Gregorian calendar, UTC only (no time zone
// database, no locale). Its conversions are constexpr integer arithmetic, cheap per message.
#include <chrono>
#include <optional>

#include "core/clock.hpp"

namespace kinesyslog {

// A wall time as its UTC date and time of day, to the microsecond.
struct UtcDateTime {
  std::chrono::year_month_day date;
  std::chrono::hh_mm_ss<std::chrono::microseconds> time;
};

// The date when it exists in the calendar (no Feb 30, Feb 29 only in leap years). Days 1..28
// exist in every month: that test spares most dates the month-length lookup (syslog headers
// are read per message).
constexpr std::optional<std::chrono::year_month_day> existing_date(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  const bool exists = month >= 1 && month <= 12 && day >= 1 && (day <= 28 || date.ok());
  if (!exists) return std::nullopt;
  return date;
}

// `time` (whole seconds and a fraction) as a WallTime, which counts nanoseconds in 64 bits
// (years 1677 to 2262): a time past either end stands at that end instead of overflowing.
inline WallTime saturating_wall_time(std::chrono::sys_seconds time, std::chrono::nanoseconds fraction = {}) {
  using Seconds = std::chrono::sys_seconds::duration;
  constexpr auto kLatest = std::chrono::floor<Seconds>(WallTime::max()).time_since_epoch() - Seconds{1};
  constexpr auto kEarliest = std::chrono::ceil<Seconds>(WallTime::min()).time_since_epoch() + Seconds{1};
  if (time.time_since_epoch() > kLatest) return WallTime::max();
  if (time.time_since_epoch() < kEarliest) return WallTime::min();
  return std::chrono::time_point_cast<WallTime::duration>(time) + fraction;
}

// Rounds toward the past, so instants before 1970 land in the right day and second.
inline UtcDateTime utc_date_time(WallTime time) {
  const auto micros = std::chrono::floor<std::chrono::microseconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(micros);
  return {std::chrono::year_month_day{day}, std::chrono::hh_mm_ss<std::chrono::microseconds>{micros - day}};
}

}  // namespace kinesyslog
