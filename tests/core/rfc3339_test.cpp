#include "core/rfc3339.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string_view>

namespace kinesyslog {
namespace {

using namespace std::chrono;
using Spelling = Rfc3339Spelling;

sys_seconds at(year_month_day date, int hour, int minute, int second) {
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
}

TEST(Rfc3339, ReadsUtcWithAFractionToTheNanosecond) {
  for (const Spelling spelling : {Spelling::kSyslog, Spelling::kAws}) {
    const auto time = read_rfc3339("2003-10-11T22:14:15.003Z", spelling);
    ASSERT_TRUE(time);
    EXPECT_EQ(time->utc, at(2003y / October / 11d, 22, 14, 15));
    EXPECT_EQ(time->fraction, milliseconds{3});
    EXPECT_EQ(time->length, 24u);
  }
}

TEST(Rfc3339, AppliesTheOffsetAndKeepsNineFractionDigits) {
  const auto time = read_rfc3339("2003-08-24T05:14:15.0000034567-07:00", Spelling::kSyslog);
  ASSERT_TRUE(time);
  EXPECT_EQ(time->utc, at(2003y / August / 24d, 12, 14, 15));
  EXPECT_EQ(time->fraction, nanoseconds{3456});
}

TEST(Rfc3339, StopsAfterTheZoneAndSaysHowFarItRead) {
  const auto time = read_rfc3339("2026-11-30T04:33:41z host app", Spelling::kSyslog);
  ASSERT_TRUE(time);
  EXPECT_EQ(time->length, 20u);
  EXPECT_EQ(time->fraction, nanoseconds{0});
}

TEST(Rfc3339, SyslogRefusesWhatOnlyAwsSpells) {
  for (const std::string_view text : {"2026-11-24 15:04:05Z", "2026-11-24T15:04:05,5Z", "2026-11-24T15:04:05+0100"}) {
    EXPECT_FALSE(read_rfc3339(text, Spelling::kSyslog)) << text;
    EXPECT_TRUE(read_rfc3339(text, Spelling::kAws)) << text;
  }
  // ±hh alone is read by AWS (and nothing follows it); syslog wants the minutes.
  const auto hours_only = read_rfc3339("2026-11-24T15:04:05-02", Spelling::kAws);
  ASSERT_TRUE(hours_only);
  EXPECT_EQ(hours_only->utc, at(2026y / November / 24d, 17, 4, 5));
  EXPECT_FALSE(read_rfc3339("2026-11-24T15:04:05-02", Spelling::kSyslog));
}

TEST(Rfc3339, RefusesImpossibleDatesAndTimes) {
  for (const Spelling spelling : {Spelling::kSyslog, Spelling::kAws}) {
    for (const std::string_view text :
         {"2026-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
          "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z",
          "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+00:60"}) {
      EXPECT_FALSE(read_rfc3339(text, spelling)) << text;
    }
    EXPECT_TRUE(read_rfc3339("2024-02-29T23:59:59+23:59", spelling));
  }
}

TEST(Rfc3339, RefusesMissingPartsAndAnEmptyFraction) {
  for (const Spelling spelling : {Spelling::kSyslog, Spelling::kAws}) {
    for (const std::string_view text : {"", "2026", "2026-11-24", "2026-11-24T15:04", "2026-11-24T15:04:05",
                                        "2026-11-24T15:04:05.Z", "2026-11-24T15:04:05+01:", "26-11-24T15:04:05Z",
                                        "2026-11-24X15:04:05Z", "2026-1-24T15:04:05Z"}) {
      EXPECT_FALSE(read_rfc3339(text, spelling)) << text;
    }
  }
}

TEST(Rfc3339, ReadsYearZeroAndYear9999) {
  const auto first = read_rfc3339("0000-01-01T00:00:00Z", Spelling::kSyslog);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->utc, sys_days{year{0} / January / 1d});
  const auto last = read_rfc3339("9999-12-31T23:59:59-23:59", Spelling::kSyslog);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->utc, at(year{10000} / January / 1d, 23, 58, 59));
}

}  // namespace
}  // namespace kinesyslog
