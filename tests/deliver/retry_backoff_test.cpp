#include "deliver/retry_backoff.hpp"

#include <set>

#include <gtest/gtest.h>

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;

TEST(RetryBackoff, CeilingDoublesPerAttemptFromTheBase) {
  RetryBackoff backoff(1s, 5min, 1);
  EXPECT_EQ(backoff.ceiling(0), 1s);
  EXPECT_EQ(backoff.ceiling(1), 2s);
  EXPECT_EQ(backoff.ceiling(4), 16s);
}

TEST(RetryBackoff, CeilingStopsAtTheCap) {
  RetryBackoff backoff(1s, 5min, 1);
  EXPECT_EQ(backoff.ceiling(9), 5min);
  EXPECT_EQ(backoff.ceiling(4'000'000'000U), 5min);  // no overflow however often it failed
}

TEST(RetryBackoff, FullJitterSpreadsDelaysBetweenZeroAndTheCeiling) {
  RetryBackoff backoff(1s, 5min, 42);
  std::set<int64_t> delays;
  for (int i = 0; i < 100; ++i) {
    const auto delay = backoff.delay(3, backoff.draw_fraction());
    EXPECT_GE(delay, 0s);
    EXPECT_LE(delay, 8s);
    delays.insert(delay.count());
  }
  EXPECT_GT(delays.size(), 90U);
}

TEST(RetryBackoff, SameSeedGivesTheSameDelays) {
  RetryBackoff first(1s, 5min, 42);
  RetryBackoff second(1s, 5min, 42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(first.draw_fraction(), second.draw_fraction());
}

}  // namespace
}  // namespace kinesyslog::deliver
