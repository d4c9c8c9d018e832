#include "net/connection_limits.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

namespace kinesyslog::net {
namespace {

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

TEST(ConnectionLimits, OneSourcePastItsCapIsRefusedWhileOthersAreAdmitted) {
  ConnectionLimits limits(100, 2);
  EXPECT_TRUE(limits.admit_source(ip("192.0.2.1")));
  EXPECT_TRUE(limits.admit_source(ip("192.0.2.1")));
  EXPECT_FALSE(limits.admit_source(ip("192.0.2.1")));
  EXPECT_TRUE(limits.admit_source(ip("192.0.2.2")));
  EXPECT_TRUE(limits.admit_source(ip("2001:db8::1")));
  limits.release_source(ip("192.0.2.1"));
  EXPECT_TRUE(limits.admit_source(ip("192.0.2.1")));
  EXPECT_FALSE(limits.admit_source(ip("192.0.2.1")));
}

TEST(ConnectionLimits, ACapOfZeroAdmitsNoOneAndRemembersNothing) {
  ConnectionLimits limits(100, 0);
  EXPECT_FALSE(limits.admit_source(ip("192.0.2.1")));
  limits.release_source(ip("192.0.2.1"));  // nothing to give back: harmless
  EXPECT_FALSE(limits.admit_source(ip("192.0.2.1")));
}

TEST(ConnectionLimits, TheTotalIsTakenSlotBySlot) {
  ConnectionLimits limits(3, 1000);
  EXPECT_TRUE(limits.take_slot());
  EXPECT_TRUE(limits.take_slot());
  EXPECT_FALSE(limits.full());
  EXPECT_TRUE(limits.take_slot());
  EXPECT_TRUE(limits.full());
  EXPECT_FALSE(limits.take_slot());
  EXPECT_EQ(limits.open(), 3u);
  limits.give_back_slot();
  EXPECT_FALSE(limits.full());
  EXPECT_TRUE(limits.take_slot());
}

// An IPv6 host owns a /64, so it can pick addresses that an unseeded hash puts in one
// bucket. Here: the first 64 addresses of 2001:db8::/64 that the FNV-1a everyone can compute
// sends to one bucket of a 1031-bucket table (a size the table takes near 1000 sources).
TEST(ConnectionLimits, AddressesOneHostPicksForOneBucketSpreadOverTheTable) {
  constexpr uint64_t kBuckets = 1031;
  std::vector<IpAddress> chosen;
  std::array<uint8_t, 16> bytes = ip("2001:db8::").bytes();
  for (uint32_t low = 0; chosen.size() < 64 && low < 1'000'000; ++low) {
    for (size_t i = 0; i < 4; ++i) bytes[12 + i] = static_cast<uint8_t>(low >> (24 - 8 * i));
    uint64_t fnv = 1469598103934665603ULL;
    for (uint8_t byte : bytes) fnv = (fnv ^ byte) * 1099511628211ULL;
    if (fnv % kBuckets == 0) chosen.push_back(IpAddress::from_v6(bytes));
  }
  ASSERT_EQ(chosen.size(), 64u);
  std::set<size_t> buckets;
  for (const IpAddress& address : chosen) buckets.insert(ConnectionLimits::AddressHash{}(address) % kBuckets);
  // Seeded, 64 addresses land in about 62 distinct buckets; fewer than 32 is a chance below 1e-40.
  EXPECT_GE(buckets.size(), 32u);
}

}  // namespace
}  // namespace kinesyslog::net
