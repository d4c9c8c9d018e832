#include "parse/syslog_timestamp.hpp"

#include <gtest/gtest.h>

#include "timestamp_test_support.hpp"

namespace kinesyslog::parse {
namespace {

using testing::received_at;
using testing::utc_ms;

const WallTime kMidYear = received_at(2026, 6, 15, 12, 0, 0);

// ---- PRI (RFC 5424 §6.2.1) ----

TEST(Pri, SplitsAtTheClosingBracket) {
  const PriSplit split = split_pri("<34>Oct 11 22:14:15 host");
  EXPECT_EQ(split.pri, "<34>");
  EXPECT_EQ(split.rest, "Oct 11 22:14:15 host");
}

TEST(Pri, AcceptsOneToThreeDigitsUpTo191) {
  EXPECT_EQ(split_pri("<0>x").pri, "<0>");
  EXPECT_EQ(split_pri("<191>x").pri, "<191>");
  EXPECT_EQ(split_pri("<191>").rest, "");
}

TEST(Pri, KeepsLeadingZerosAsWritten) { EXPECT_EQ(split_pri("<013>x").pri, "<013>"); }

TEST(Pri, RejectsValuesAbove191) {
  const PriSplit split = split_pri("<192>x");
  EXPECT_EQ(split.pri, "");
  EXPECT_EQ(split.rest, "<192>x");
}

TEST(Pri, RejectsMalformedBrackets) {
  for (std::string_view message : {"<>x", "<1234>x", "<34x", "<34", "<", "34>x", "<a>x", "< 3>x", ""}) {
    const PriSplit split = split_pri(message);
    EXPECT_EQ(split.pri, "") << message;
    EXPECT_EQ(split.rest, message) << message;
  }
}

// ---- RFC 5424 §6.5 examples ----

TEST(Rfc5424, Example1UtcWithMilliseconds) {
  EXPECT_EQ(read_syslog_timestamp(
                "1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on "
                "/dev/pts/8",
                kMidYear),
            utc_ms(2003, 10, 11, 22, 14, 15, 3));
}

TEST(Rfc5424, Example2NegativeOffsetAndMicroseconds) {
  EXPECT_EQ(read_syslog_timestamp(
                "1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
                kMidYear),
            utc_ms(2003, 8, 24, 12, 14, 15, 0));
}

TEST(Rfc5424, Example3StructuredData) {
  EXPECT_EQ(read_syslog_timestamp("1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                                  "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
                                  "BOMAn application event log entry...",
                                  kMidYear),
            utc_ms(2003, 10, 11, 22, 14, 15, 3));
}

TEST(Rfc5424, Example4StructuredDataOnly) {
  EXPECT_EQ(read_syslog_timestamp("1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                                  "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                                  "[examplePriority@32473 class=\"high\"]",
                                  kMidYear),
            utc_ms(2003, 10, 11, 22, 14, 15, 3));
}

// ---- RFC 3339 details ----

TEST(Rfc5424, PositiveOffsetIsSubtracted) {
  EXPECT_EQ(read_rfc3339_timestamp("2018-02-21T21:07:50+05:30"), utc_ms(2018, 2, 21, 15, 37, 50));
}

TEST(Rfc5424, NegativeOffsetIsAdded) {
  EXPECT_EQ(read_rfc3339_timestamp("2018-02-21T21:07:50-07:00"), utc_ms(2018, 2, 22, 4, 7, 50));
}

TEST(Rfc5424, ZeroOffsetEqualsZ) {
  EXPECT_EQ(read_rfc3339_timestamp("2018-02-21T21:07:50.239881+00:00"), utc_ms(2018, 2, 21, 21, 7, 50, 239));
}

TEST(Rfc5424, LongFractionIsTruncatedToMilliseconds) {
  EXPECT_EQ(read_rfc3339_timestamp("2026-01-02T03:04:05.123456789Z"), utc_ms(2026, 1, 2, 3, 4, 5, 123));
  EXPECT_EQ(read_rfc3339_timestamp("2026-01-02T03:04:05.99999999999999999999999Z"), utc_ms(2026, 1, 2, 3, 4, 5, 999));
}

TEST(Rfc5424, ShortFractionIsScaled) {
  EXPECT_EQ(read_rfc3339_timestamp("2026-01-02T03:04:05.5Z"), utc_ms(2026, 1, 2, 3, 4, 5, 500));
  EXPECT_EQ(read_rfc3339_timestamp("2026-01-02T03:04:05.04Z"), utc_ms(2026, 1, 2, 3, 4, 5, 40));
}

TEST(Rfc5424, FractionIsOptional) {
  EXPECT_EQ(read_rfc3339_timestamp("2026-01-02T03:04:05Z"), utc_ms(2026, 1, 2, 3, 4, 5));
}

TEST(Rfc5424, LowerCaseTAndZAreAccepted) {
  EXPECT_EQ(read_rfc3339_timestamp("2026-01-02t03:04:05.006z"), utc_ms(2026, 1, 2, 3, 4, 5, 6));
}

TEST(Rfc5424, TimestampMayEndTheMessage) {
  EXPECT_EQ(read_syslog_timestamp("1 2026-01-02T03:04:05Z", kMidYear), utc_ms(2026, 1, 2, 3, 4, 5));
}

TEST(Rfc5424, LeapDayExistsInLeapYearsOnly) {
  EXPECT_EQ(read_rfc3339_timestamp("2024-02-29T12:00:00Z"), utc_ms(2024, 2, 29, 12));
  EXPECT_EQ(read_rfc3339_timestamp("2000-02-29T12:00:00Z"), utc_ms(2000, 2, 29, 12));
  EXPECT_FALSE(read_rfc3339_timestamp("2026-02-29T12:00:00Z"));
  EXPECT_FALSE(read_rfc3339_timestamp("1900-02-29T12:00:00Z"));
}

TEST(Rfc5424, ImpossibleDatesAndTimesAreUnreadable) {
  for (std::string_view text : {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                                "2026-04-31T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
                                "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T00:00:00+24:00",
                                "2026-01-01T00:00:00-05:60"}) {
    EXPECT_FALSE(read_rfc3339_timestamp(text)) << text;
  }
}

TEST(Rfc5424, MalformedTimestampsAreUnreadable) {
  for (std::string_view text :
       {"2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-1-01T00:00:00Z", "26-01-01T00:00:00Z",
        "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+0500", "2026-01-01T00:00:00+05", "2026-01-01T0:00:00Z",
        "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00.123junk", "2026-01-01T00:00:00X", "", "-"}) {
    EXPECT_FALSE(read_rfc3339_timestamp(text)) << text;
  }
}

TEST(Rfc5424, NilValueTimestampIsUnreadable) {
  EXPECT_FALSE(read_syslog_timestamp("1 - host app - - - message", kMidYear));
}

TEST(Rfc5424, OnlyVersionOneIsRead) {
  EXPECT_FALSE(read_syslog_timestamp("2 2026-01-02T03:04:05Z host", kMidYear));
  EXPECT_FALSE(read_syslog_timestamp("12026-01-02T03:04:05Z host", kMidYear));
}

// ---- RFC 3164 §5.4 examples ----

TEST(Rfc3164, Example1) {
  EXPECT_EQ(read_syslog_timestamp("Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
                                  received_at(2026, 10, 12)),
            utc_ms(2026, 10, 11, 22, 14, 15));
}

TEST(Rfc3164, Example2WithoutHeaderIsUnreadable) {
  EXPECT_FALSE(read_syslog_timestamp("Use the BFG!", kMidYear));
}

TEST(Rfc3164, Example3TimeZoneNameAfterTheTimeIsNotAYear) {
  EXPECT_EQ(read_syslog_timestamp("Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the "
                                  "do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, "
                                  "Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%",
                                  received_at(2026, 8, 25)),
            utc_ms(2026, 8, 24, 5, 34, 0));
}

TEST(Rfc3164, Example4YearBeforeTheMonthIsUnreadable) {
  EXPECT_FALSE(read_syslog_timestamp(
      "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!", kMidYear));
}

// ---- RFC 3164 details ----

TEST(Rfc3164, DayMayBeSpacePaddedBareOrZeroPadded) {
  const int64_t expected = utc_ms(2026, 2, 4, 11, 14, 27);
  const WallTime received = received_at(2026, 2, 5);
  EXPECT_EQ(read_rfc3164_timestamp("Feb  4 11:14:27 host", received), expected);
  EXPECT_EQ(read_rfc3164_timestamp("Feb 4 11:14:27 host", received), expected);
  EXPECT_EQ(read_rfc3164_timestamp("Feb 04 11:14:27 host", received), expected);
}

TEST(Rfc3164, MonthNameIgnoresCase) {
  EXPECT_EQ(read_rfc3164_timestamp("dec 24 18:00:00 host", received_at(2026, 12, 25)), utc_ms(2026, 12, 24, 18));
  EXPECT_EQ(read_rfc3164_timestamp("SEP 01 00:00:01 host", received_at(2026, 9, 2)), utc_ms(2026, 9, 1, 0, 0, 1));
}

TEST(Rfc3164, YearAfterTheSecondsIsUsed) {
  EXPECT_EQ(read_rfc3164_timestamp("Feb 21 21:07:50 2018 host app: message", kMidYear), utc_ms(2018, 2, 21, 21, 7, 50));
  EXPECT_EQ(read_rfc3164_timestamp("Feb 21 21:07:50 2018", kMidYear), utc_ms(2018, 2, 21, 21, 7, 50));
}

TEST(Rfc3164, ExplicitYearSkipsInference) {
  EXPECT_EQ(read_rfc3164_timestamp("Dec 31 23:59:59 2030 host", received_at(2026, 1, 1)),
            utc_ms(2030, 12, 31, 23, 59, 59));
}

TEST(Rfc3164, FourDigitsNotEndingAFieldAreNotAYear) {
  EXPECT_EQ(read_rfc3164_timestamp("Feb 21 21:07:50 2018: message", kMidYear), utc_ms(2026, 2, 21, 21, 7, 50));
  EXPECT_EQ(read_rfc3164_timestamp("Feb 21 21:07:50 20180 host", kMidYear), utc_ms(2026, 2, 21, 21, 7, 50));
}

TEST(Rfc3164, TimeMustBeFollowedBySpaceOrEnd) {
  EXPECT_EQ(read_rfc3164_timestamp("Feb 21 21:07:50", kMidYear), utc_ms(2026, 2, 21, 21, 7, 50));
  EXPECT_FALSE(read_rfc3164_timestamp("Feb 21 21:07:50.123 host", kMidYear));
  EXPECT_FALSE(read_rfc3164_timestamp("Feb 21 21:07:50host", kMidYear));
}

TEST(Rfc3164, MalformedHeadersAreUnreadable) {
  for (std::string_view text : {"Foo 21 21:07:50 host", "Feb 21 21:07 host", "Feb 21 1:07:50 host",
                                "Feb  21 21:07:50 host", "Feb 123 21:07:50 host", "Feb21 21:07:50 host",
                                "Feb 21 21-07-50 host", "Feb", "", "Feb 21 21:07:5"}) {
    EXPECT_FALSE(read_rfc3164_timestamp(text, kMidYear)) << text;
  }
}

TEST(Rfc3164, ImpossibleDatesAndTimesAreUnreadable) {
  for (std::string_view text : {"Feb 30 00:00:00 host", "Apr 31 00:00:00 host", "Feb  0 00:00:00 host",
                                "Jan 01 24:00:00 host", "Jan 01 23:60:00 host", "Jan 01 23:59:60 host",
                                "Feb 29 00:00:00 2026 host"}) {
    EXPECT_FALSE(read_rfc3164_timestamp(text, kMidYear)) << text;
  }
}

// ---- RFC 3164 year inference (docs/behaviour.md §3.2) ----

TEST(Rfc3164, YearRollsBackWhenMoreThanTwoDaysAhead) {
  EXPECT_EQ(read_rfc3164_timestamp("Dec 31 23:59:59 host", received_at(2027, 1, 1, 0, 0, 5)),
            utc_ms(2026, 12, 31, 23, 59, 59));
}

TEST(Rfc3164, PastDateOfThisYearKeepsThisYear) {
  EXPECT_EQ(read_rfc3164_timestamp("Jan  1 00:00:00 host", received_at(2026, 12, 30)), utc_ms(2026, 1, 1));
}

TEST(Rfc3164, SenderClockAheadAcrossNewYearStillGetsThisYear) {
  // The rule looks only forward: a new-year date read on New Year's Eve is this year's January.
  EXPECT_EQ(read_rfc3164_timestamp("Jan  1 00:00:01 host", received_at(2026, 12, 31, 23, 59, 58)),
            utc_ms(2026, 1, 1, 0, 0, 1));
}

TEST(Rfc3164, UpToTwoDaysAheadKeepsThisYear) {
  const WallTime received = received_at(2026, 6, 1);
  EXPECT_EQ(read_rfc3164_timestamp("Jun  2 12:00:00 host", received), utc_ms(2026, 6, 2, 12));
  EXPECT_EQ(read_rfc3164_timestamp("Jun  3 00:00:00 host", received), utc_ms(2026, 6, 3));
}

TEST(Rfc3164, OneSecondPastTwoDaysAheadIsLastYear) {
  EXPECT_EQ(read_rfc3164_timestamp("Jun  3 00:00:01 host", received_at(2026, 6, 1)), utc_ms(2025, 6, 3, 0, 0, 1));
}

TEST(Rfc3164, NewYearsEveDateTwoDaysAheadKeepsThisYear) {
  EXPECT_EQ(read_rfc3164_timestamp("Dec 31 23:59:59 host", received_at(2026, 12, 30)),
            utc_ms(2026, 12, 31, 23, 59, 59));
}

TEST(Rfc3164, LeapDayWithoutYearInLeapYear) {
  EXPECT_EQ(read_rfc3164_timestamp("Feb 29 12:00:00 host", received_at(2024, 3, 1)), utc_ms(2024, 2, 29, 12));
}

TEST(Rfc3164, LeapDayWithoutYearInCommonYearIsUnreadable) {
  EXPECT_FALSE(read_rfc3164_timestamp("Feb 29 12:00:00 host", received_at(2025, 3, 1)));
}

TEST(Rfc3164, LeapDayTooFarAheadFallsIntoACommonYearAndIsUnreadable) {
  EXPECT_FALSE(read_rfc3164_timestamp("Feb 29 12:00:00 host", received_at(2024, 2, 1)));
}

TEST(Rfc3164, NoPriTimestampAtMessageStartIsRead) {
  EXPECT_EQ(read_syslog_timestamp("Oct 11 22:14:15 mymachine su: hi", received_at(2026, 10, 12)),
            utc_ms(2026, 10, 11, 22, 14, 15));
}

}  // namespace
}  // namespace kinesyslog::parse
