#include "core/rate_limited_log.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace kinesyslog {
namespace {

using namespace std::chrono_literals;

TEST(RateLimitedLog, TheFirstOfACauseIsLoggedAtOnce) {
  ManualClock clock;
  RateLimitedLog log(clock, 60s);
  EXPECT_EQ(log.admit("disk full"), std::optional<uint64_t>(0));
}

TEST(RateLimitedLog, RepeatsWithinTheIntervalAreHeldBackAndCountedInTheNextLine) {
  ManualClock clock;
  RateLimitedLog log(clock, 60s);
  ASSERT_TRUE(log.admit("disk full"));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(log.admit("disk full"), std::nullopt);
  clock.advance(60s);
  EXPECT_EQ(log.admit("disk full"), std::optional<uint64_t>(1000));
  EXPECT_EQ(log.admit("disk full"), std::nullopt);
}

TEST(RateLimitedLog, DifferentCausesHaveTheirOwnWindows) {
  ManualClock clock;
  RateLimitedLog log(clock, 60s);
  ASSERT_TRUE(log.admit("disk full"));
  EXPECT_EQ(log.admit("too many open files"), std::optional<uint64_t>(0));
}

TEST(RateLimitedLog, ManyDistinctCausesShareOneWindowPastTheCap) {
  ManualClock clock;
  RateLimitedLog log(clock, 60s);
  size_t logged = 0;
  for (size_t i = 0; i < RateLimitedLog::kMaxCauses + 100; ++i) {
    if (log.admit("cause " + std::to_string(i))) ++logged;
  }
  // One line per remembered cause, then one for the shared window; the other 99 are held back.
  EXPECT_EQ(logged, RateLimitedLog::kMaxCauses + 1);
}

}  // namespace
}  // namespace kinesyslog
