#include "core/calendar.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace kinesyslog {
namespace {

using namespace std::chrono;

TEST(Calendar, EpochIsMidnightOfJanuaryFirst1970) {
  const UtcDateTime epoch = utc_date_time(WallTime{});
  EXPECT_EQ(epoch.date, 1970y / January / 1d);
  EXPECT_EQ(epoch.time.to_duration(), microseconds{0});
}

TEST(Calendar, EveryDayOf1899To2101SplitsBackToItsDate) {
  for (sys_days day = sys_days{1899y / January / 1d}; day <= sys_days{2101y / December / 31d}; day += days{1}) {
    const year_month_day date{day};
    const UtcDateTime noon = utc_date_time(day + hours{12} + minutes{34} + seconds{56} + microseconds{789});
    ASSERT_EQ(noon.date, date) << static_cast<int>(date.year()) << '-' << static_cast<unsigned>(date.month());
    ASSERT_EQ(noon.time.hours(), hours{12});
    ASSERT_EQ(noon.time.minutes(), minutes{34});
    ASSERT_EQ(noon.time.seconds(), seconds{56});
    ASSERT_EQ(noon.time.subseconds(), microseconds{789});
  }
}

TEST(Calendar, InstantsBefore1970LandInTheDayBefore) {
  const UtcDateTime last = utc_date_time(WallTime{} - microseconds{1});
  EXPECT_EQ(last.date, 1969y / December / 31d);
  EXPECT_EQ(last.time.hours(), hours{23});
  EXPECT_EQ(last.time.minutes(), minutes{59});
  EXPECT_EQ(last.time.seconds(), seconds{59});
  EXPECT_EQ(last.time.subseconds(), microseconds{999'999});
}

TEST(Calendar, SubMicrosecondsAreDropped) {
  const UtcDateTime time = utc_date_time(WallTime{} + nanoseconds{1'999});
  EXPECT_EQ(time.time.subseconds(), microseconds{1});
}

TEST(Calendar, LeapYearsFollowTheGregorianRule) {
  // The date checks the syslog reader relies on.
  EXPECT_TRUE(year{2024}.is_leap());
  EXPECT_TRUE(year{2000}.is_leap());
  EXPECT_FALSE(year{1900}.is_leap());
  EXPECT_FALSE(year{2026}.is_leap());
  EXPECT_TRUE((2024y / February / 29d).ok());
  EXPECT_FALSE((2026y / February / 29d).ok());
  EXPECT_FALSE((2024y / February / 30d).ok());
  EXPECT_FALSE((2026y / April / 31d).ok());
  EXPECT_FALSE(year_month_day(year{2026}, month{13}, day{1}).ok());
  EXPECT_FALSE(year_month_day(year{2026}, month{0}, day{1}).ok());
  EXPECT_FALSE(year_month_day(year{2026}, month{1}, day{0}).ok());
}

}  // namespace
}  // namespace kinesyslog
