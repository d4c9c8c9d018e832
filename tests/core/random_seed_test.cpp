#include "core/random_seed.hpp"

#include <gtest/gtest.h>

#include "core/hash_seed.hpp"

namespace kinesyslog {
namespace {

TEST(RandomSeed, ComesFromTheKernelAndDiffers) {
  EXPECT_NE(random_seed_from_os(), random_seed_from_os());
}

TEST(HashSeed, IsDrawnOncePerProcess) { EXPECT_EQ(process_hash_seed(), process_hash_seed()); }

TEST(Splitmix64, MatchesTheReferenceOutputs) {
  // The first outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c).
  uint64_t state = 0;
  EXPECT_EQ(splitmix64_next(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64_next(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64_next(state), 0x06c45d188009454fULL);
}

}  // namespace
}  // namespace kinesyslog
