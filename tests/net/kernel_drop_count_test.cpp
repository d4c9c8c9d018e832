#include "net/kernel_drop_count.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace kinesyslog::net {
namespace {

TEST(KernelDropCount, CountsTheDifferenceSinceTheLastReading) {
  KernelDropCount count;
  EXPECT_EQ(count.take(0), 0u);
  EXPECT_EQ(count.take(7), 7u);
  EXPECT_EQ(count.take(7), 0u);
  EXPECT_EQ(count.take(10), 3u);
}

// The kernel's counter is 32 bits wide (sk_drops): past 2^32 - 1 it starts again at 0.
TEST(KernelDropCount, AWrapOfTheKernelsCounterIsCountedModulo2To32) {
  KernelDropCount count;
  constexpr uint32_t kTop = std::numeric_limits<uint32_t>::max();
  EXPECT_EQ(count.take(kTop - 4), uint64_t{kTop} - 4);
  EXPECT_EQ(count.take(5), 10u);  // kTop-3 .. kTop (4), then 0 .. 5 (6)
  EXPECT_EQ(count.take(5), 0u);
}

}  // namespace
}  // namespace kinesyslog::net
