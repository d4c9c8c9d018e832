#include "net/trusted_proxies.hpp"

#include <gtest/gtest.h>

namespace kinesyslog::net {
namespace {

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

bool range_contains(std::string_view range, std::string_view address) {
  return AddressRange::parse(range)->contains(ip(address));
}

TEST(AddressRange, ParsesIpv4AndIpv6RangesAndBareAddresses) {
  for (std::string_view text : {"10.0.0.0/8", "127.0.0.1/32", "127.0.0.1", "0.0.0.0/0", "fd00::/8", "::1", "::/0",
                                "2001:db8::/32", "::ffff:10.0.0.0/104"}) {
    EXPECT_TRUE(AddressRange::parse(text)) << text;
  }
}

TEST(AddressRange, RefusesWhatIsNoRange) {
  for (std::string_view text : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/8x",
                                "10.0.0/8", "host.example", "10.0.0.1/8", "fd00::1/8", "10.0.0.0/ 8"}) {
    EXPECT_FALSE(AddressRange::parse(text)) << text;
  }
}

TEST(AddressRange, MatchesIpv4ByPrefix) {
  EXPECT_TRUE(range_contains("10.0.0.0/8", "10.255.1.2"));
  EXPECT_FALSE(range_contains("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(range_contains("192.168.4.0/22", "192.168.7.255"));
  EXPECT_FALSE(range_contains("192.168.4.0/22", "192.168.8.0"));
  EXPECT_TRUE(range_contains("127.0.0.1/32", "127.0.0.1"));
  EXPECT_FALSE(range_contains("127.0.0.1/32", "127.0.0.2"));
  EXPECT_TRUE(range_contains("0.0.0.0/0", "203.0.113.7"));
}

TEST(AddressRange, Ipv4RangesNeverMatchIpv6PeersAndTheOtherWayRound) {
  EXPECT_FALSE(range_contains("0.0.0.0/0", "2001:db8::1"));
  EXPECT_FALSE(range_contains("fd00::/8", "10.0.0.1"));
  EXPECT_TRUE(range_contains("::/0", "2001:db8::1"));
}

TEST(AddressRange, MatchesIpv6ByPrefix) {
  EXPECT_TRUE(range_contains("fd00::/8", "fd12:3456::1"));
  EXPECT_FALSE(range_contains("fd00::/8", "fe80::1"));
  EXPECT_TRUE(range_contains("2001:db8::/33", "2001:db8:7fff::1"));
  EXPECT_FALSE(range_contains("2001:db8::/33", "2001:db8:8000::1"));
}

TEST(AddressRange, AnIpv4MappedPeerOnADualStackSocketMatchesAsIpv4) {
  // accept() on "::" reports IPv4 clients as ::ffff:a.b.c.d.
  std::array<uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 1, 2, 3};
  EXPECT_TRUE(AddressRange::parse("10.0.0.0/8")->contains(IpAddress::from_v6(mapped)));
  EXPECT_TRUE(range_contains("::ffff:10.0.0.0/104", "10.9.9.9"));
}

TEST(TrustedProxies, AllowsAPeerInAnyOfItsRanges) {
  const auto trusted = TrustedProxies::parse({"127.0.0.1/32", "fd00::/8"});
  ASSERT_TRUE(trusted);
  EXPECT_TRUE(trusted->allows(ip("127.0.0.1")));
  EXPECT_TRUE(trusted->allows(ip("fd00::5")));
  EXPECT_FALSE(trusted->allows(ip("127.0.0.2")));
  EXPECT_FALSE(trusted->allows(ip("::1")));
}

TEST(TrustedProxies, OneBadRangeRefusesTheList) { EXPECT_FALSE(TrustedProxies::parse({"10.0.0.0/8", "ten"})); }

}  // namespace
}  // namespace kinesyslog::net
