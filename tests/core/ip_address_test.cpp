#include "core/ip_address.hpp"

#include <gtest/gtest.h>

#include "core/source_key.hpp"

namespace kinesyslog {
namespace {

TEST(IpAddress, Ipv4RoundTripsAsDottedQuad) {
  auto address = IpAddress::parse("192.0.2.7");
  ASSERT_TRUE(address);
  EXPECT_TRUE(address->is_v4());
  EXPECT_EQ(address->to_string(), "192.0.2.7");
}

TEST(IpAddress, V4MappedIpv6PrintsAsIpv4) {
  auto address = IpAddress::parse("::ffff:127.0.0.1");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->to_string(), "127.0.0.1");
  EXPECT_EQ(*address, *IpAddress::parse("127.0.0.1"));
}

TEST(IpAddress, Ipv6UsesCanonicalText) {
  auto address = IpAddress::parse("2001:0db8:0000:0000:0000:0000:0000:0001");
  ASSERT_TRUE(address);
  EXPECT_FALSE(address->is_v4());
  EXPECT_EQ(address->to_string(), "2001:db8::1");
}

TEST(IpAddress, RejectsNonLiterals) {
  EXPECT_FALSE(IpAddress::parse("localhost"));
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("1.2.3.4.5"));
}

TEST(SourceKey, DiffersByPortAndProtocol) {
  SourceKey a{*IpAddress::parse("10.0.0.1"), 5514, Protocol::kSyslog};
  SourceKey b = a;
  b.port = 5515;
  SourceKey c = a;
  c.protocol = Protocol::kGelf;
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(SourceKeyHash{}(a), SourceKeyHash{}(b));
}

}  // namespace
}  // namespace kinesyslog

namespace kinesyslog {
namespace {

// Bucket positions depend on a per-process secret, so senders cannot aim at one bucket.
TEST(SourceKeyHash, DependsOnItsSeed) {
  const SourceKey key{*IpAddress::parse("2001:db8::1"), 5514, Protocol::kSyslog};
  EXPECT_EQ(SourceKeyHash{1}(key), SourceKeyHash{1}(key));
  EXPECT_NE(SourceKeyHash{1}(key), SourceKeyHash{2}(key));
  EXPECT_EQ(SourceKeyHash{}(key), SourceKeyHash{process_hash_seed()}(key));
}

}  // namespace
}  // namespace kinesyslog
