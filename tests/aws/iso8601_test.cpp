#include "aws/iso8601.hpp"

#include <gtest/gtest.h>

namespace kinesyslog::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::sys_days;

WallTime at(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  return WallTime{sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
                  std::chrono::hours{hour} + std::chrono::minutes{minute} + seconds{second}};
}

TEST(Iso8601, UtcWithZ) {
  EXPECT_EQ(parse_iso8601("2026-11-24T15:04:05Z"), at(2026, 11, 24, 15, 4, 5));
}

TEST(Iso8601, FractionOfAnyLength) {
  EXPECT_EQ(parse_iso8601("2026-11-24T15:04:05.5Z"), at(2026, 11, 24, 15, 4, 5) + milliseconds(500));
  EXPECT_EQ(parse_iso8601("2026-11-24T15:04:05.123456789123Z"),
            at(2026, 11, 24, 15, 4, 5) + std::chrono::nanoseconds(123456789));
}

TEST(Iso8601, OffsetsAreSubtractedToGetUtc) {
  EXPECT_EQ(parse_iso8601("2026-11-24T17:04:05+02:00"), at(2026, 11, 24, 15, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-11-24T10:34:05-0430"), at(2026, 11, 24, 15, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-11-24T16:04:05+01"), at(2026, 11, 24, 15, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-11-24T15:04:05+00:00"), at(2026, 11, 24, 15, 4, 5));
}

TEST(Iso8601, OffsetCrossesMidnightAndYear) {
  EXPECT_EQ(parse_iso8601("2027-01-01T01:00:00+02:00"), at(2026, 12, 31, 23, 0, 0));
}

TEST(Iso8601, LowerCaseAndSpaceSeparatorAccepted) {
  EXPECT_EQ(parse_iso8601("2026-11-24t15:04:05z"), at(2026, 11, 24, 15, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-11-24 15:04:05Z"), at(2026, 11, 24, 15, 4, 5));
}

TEST(Iso8601, LeapDayOnlyInLeapYears) {
  EXPECT_EQ(parse_iso8601("2028-02-29T00:00:00Z"), at(2028, 2, 29, 0, 0, 0));
  EXPECT_EQ(parse_iso8601("2027-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2100-02-29T00:00:00Z"), std::nullopt);
}

TEST(Iso8601, RejectsMissingZone) { EXPECT_EQ(parse_iso8601("2026-11-24T15:04:05"), std::nullopt); }

TEST(Iso8601, RejectsOutOfRangeFields) {
  for (const char* text : {"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z",
                           "2026-11-24T24:00:00Z", "2026-11-24T15:60:00Z", "2026-11-24T15:04:60Z",
                           "2026-11-24T15:04:05+24:00", "2026-11-24T15:04:05+01:60"}) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << text;
  }
}

TEST(Iso8601, RejectsMalformedText) {
  for (const char* text : {"", "2026", "2026-11-24", "2026-11-24T15:04Z", "2026-11-24T15:04:05.Z",
                           "2026-11-24T15:04:05Zjunk", "2026-11-24T15:04:05+2", "26-11-24T15:04:05Z",
                           "2026/11/24T15:04:05Z", "2026-11-24T15:04:05 Z", "１026-11-24T15:04:05Z"}) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << text;
  }
}

// The clock counts nanoseconds in 64 bits (years 1677 to 2262). A time past either end, such
// as a credential_process that writes 9999-12-31 for "never", stands at that end instead of
// overflowing.
TEST(Iso8601, TimesPastTheClockRangeStandAtItsEnds) {
  EXPECT_EQ(parse_iso8601("9999-12-31T23:59:59Z"), WallTime::max());
  EXPECT_EQ(parse_iso8601("2300-01-01T00:00:00Z"), WallTime::max());
  EXPECT_EQ(parse_iso8601("1600-01-01T00:00:00.5Z"), WallTime::min());
  EXPECT_EQ(parse_iso8601("2262-01-01T00:00:00Z"), at(2262, 1, 1, 0, 0, 0));
}

TEST(HttpDate, TimesPastTheClockRangeStandAtItsEnds) {
  EXPECT_EQ(parse_http_date("Mon, 01 Jan 2300 00:00:00 GMT"), WallTime::max());
  EXPECT_EQ(parse_http_date("Sat, 01 Jan 1600 00:00:00 GMT"), WallTime::min());
}

TEST(HttpDate, ImfFixdateAsAwsSendsIt) {
  EXPECT_EQ(parse_http_date("Mon, 30 Nov 2026 01:38:07 GMT"), at(2026, 11, 30, 1, 38, 7));
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), at(1994, 11, 6, 8, 49, 37));  // RFC 7231's example
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT"), at(2024, 2, 29, 23, 59, 59));
}

TEST(HttpDate, AnythingElseIsUnreadable) {
  for (const char* text : {"", "Mon, 30 Nov 2026 01:38:07", "Mon, 30 Nov 2026 01:38:07 UTC",
                           "Mon, 30 Nov 2026 01:38:07 GMT ", "Tue, 30 Nov 2026 01:38:07 GMT",  // wrong weekday
                           "Mon, 31 Nov 2026 01:38:07 GMT", "Mon, 30 nov 2026 01:38:07 GMT", "Mon, 30 Nov 2026 24:00:00 GMT",
                           "Mon,30 Nov 2026 01:38:07 GMT", "Mon, 3 Nov 2026 01:38:07 GMT",
                           "Monday, 30-Nov-26 01:38:07 GMT",  // RFC 850
                           "Mon Nov 30 01:38:07 2026",        // asctime
                           "2026-11-30T01:38:07Z"}) {
    EXPECT_EQ(parse_http_date(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace kinesyslog::aws
