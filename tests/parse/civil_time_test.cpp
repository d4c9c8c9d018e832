#include "parse/civil_time.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace kinesyslog::parse {
namespace {

using namespace std::chrono;

// std::chrono's calendar is the independent oracle for the hand-written arithmetic.
int64_t oracle_days(int y, unsigned m, unsigned d) {
  return sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}

TEST(CivilTime, EpochIsDayZero) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  const CivilDate epoch = civil_from_days(0);
  EXPECT_EQ(epoch.year, 1970);
  EXPECT_EQ(epoch.month, 1u);
  EXPECT_EQ(epoch.day, 1u);
}

TEST(CivilTime, DaysFromCivilMatchesChronoForEveryDayOf1899To2101) {
  for (int y = 1899; y <= 2101; ++y) {
    for (unsigned m = 1; m <= 12; ++m) {
      for (unsigned d = 1; d <= days_in_month(y, m); ++d) {
        ASSERT_EQ(days_from_civil(y, m, d), oracle_days(y, m, d)) << y << '-' << m << '-' << d;
      }
    }
  }
}

TEST(CivilTime, CivilFromDaysRoundTrips) {
  for (int64_t days = oracle_days(1899, 1, 1); days <= oracle_days(2101, 12, 31); ++days) {
    const CivilDate date = civil_from_days(days);
    ASSERT_EQ(days_from_civil(date.year, date.month, date.day), days);
  }
}

TEST(CivilTime, LeapYearsFollowTheGregorianRule) {
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_FALSE(is_leap_year(1900));
  EXPECT_FALSE(is_leap_year(2026));
  EXPECT_TRUE(is_valid_date(2024, 2, 29));
  EXPECT_FALSE(is_valid_date(2026, 2, 29));
  EXPECT_FALSE(is_valid_date(2024, 2, 30));
  EXPECT_FALSE(is_valid_date(2026, 4, 31));
  EXPECT_FALSE(is_valid_date(2026, 13, 1));
  EXPECT_FALSE(is_valid_date(2026, 0, 1));
  EXPECT_FALSE(is_valid_date(2026, 1, 0));
}

TEST(CivilTime, FloorDivRoundsTowardNegativeInfinity) {
  EXPECT_EQ(floor_div(7, 2), 3);
  EXPECT_EQ(floor_div(-7, 2), -4);
  EXPECT_EQ(floor_div(-8, 2), -4);
  EXPECT_EQ(floor_div(0, 5), 0);
}

}  // namespace
}  // namespace kinesyslog::parse
