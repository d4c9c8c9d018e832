// The stream a record goes to is a fixed function of its route: every relay, every run, sends
// one host's records to the same stream. The expected values were computed independently
// (64-bit FNV-1a over the 16 address bytes and the port, high byte first).
#include "deliver/stream_assignment.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace kinesyslog::deliver {
namespace {

IpAddress address(const char* text) { return *IpAddress::parse(text); }

TEST(StableRouteHash, IsTheFixedFnv1aOfAddressBytesAndPort) {
  EXPECT_EQ(stable_route_hash(address("10.1.2.3"), 514), 0x5ed5f7a062da2e6dULL);
  EXPECT_EQ(stable_route_hash(address("127.0.0.1"), 5514), 0xb1d459bc667a49f4ULL);
  EXPECT_EQ(stable_route_hash(address("2001:db8::1"), 514), 0x53b086170485fe20ULL);
  EXPECT_EQ(stable_route_hash(address("::1"), 6514), 0x6f2782b1c2baf9b9ULL);
  // An IPv4 sender seen on a dual-stack socket is the same host.
  EXPECT_EQ(stable_route_hash(address("::ffff:10.1.2.3"), 514), stable_route_hash(address("10.1.2.3"), 514));
}

TEST(StreamForRoute, MapsEachRouteToAFixedStream) {
  EXPECT_EQ(stream_for_route("10.1.2.3", 514, 2), 1U);
  EXPECT_EQ(stream_for_route("10.1.2.3", 514, 3), 0U);
  EXPECT_EQ(stream_for_route("127.0.0.1", 5514, 2), 0U);
  EXPECT_EQ(stream_for_route("127.0.0.1", 5514, 3), 1U);
  EXPECT_EQ(stream_for_route("2001:db8::1", 514, 3), 2U);
  EXPECT_EQ(stream_for_route("192.0.2.7", 601, 2), 1U);
}

TEST(StreamForRoute, FilesWithoutARouteGoToTheFirstStream) {
  EXPECT_EQ(stream_for_route("", 0, 3), 0U);
  EXPECT_EQ(stream_for_route("not-an-address", 514, 3), 0U);
  EXPECT_EQ(stream_for_route("10.1.2.3", 514, 1), 0U);
  EXPECT_EQ(stream_for_route("10.1.2.3", 514, 0), 0U);
  spool::SpoolFile unrouted{"firehose_event-abc_123", 10, {}, "", 0};
  EXPECT_EQ(stream_of(unrouted, 4), 0U);
}

TEST(StreamForRoute, SpreadsManyHostsOverEveryStream) {
  std::set<size_t> used;
  for (int host = 1; host <= 64; ++host) used.insert(stream_for_route("127.0.0." + std::to_string(host), 514, 3));
  EXPECT_EQ(used.size(), 3U);
}

}  // namespace
}  // namespace kinesyslog::deliver
