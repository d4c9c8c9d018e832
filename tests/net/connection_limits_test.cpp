#include "net/connection_limits.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace kinesyslog::net
