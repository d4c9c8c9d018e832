// The typed configuration built once from validated `listen` options.
#include "cli/listen_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/validate.hpp"

namespace kinesyslog::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ListenOptions checked(ListenOptions options) {
  options.streams = {"logs"};
  EXPECT_EQ(validate(options), std::nullopt);
  return options;
}

TEST(ListenConfig, PortsAreNumbersPerProtocolWithTheDisabledOnesLeftOut) {
  ListenOptions options;
  options.udp_ports = {5514, 0};
  options.tcp_ports = {0, 5514, 1514};
  options.cert = "/etc/ssl/relay.pem";
  options.key = "/etc/ssl/relay.key";
  options.proxy_protocol_ports = {1514};
  options.prometheus_ports = {9090};
  const ListenConfig config = listen_config(checked(options));
  EXPECT_THAT(config.ports.udp, ElementsAre(5514));
  EXPECT_THAT(config.ports.tcp, ElementsAre(5514, 1514));
  EXPECT_THAT(config.ports.tls, ElementsAre(6514));
  EXPECT_THAT(config.ports.proxy_protocol, ElementsAre(1514));
  EXPECT_THAT(config.ports.prometheus, ElementsAre(9090));
  EXPECT_EQ(config.proxy_from, nullptr);  // any peer's PROXY header
}

TEST(ListenConfig, TheDefaultTlsPortIsNotListenedOnWithoutACertificate) {
  ListenOptions options;
  options.udp_ports = {5514};
  EXPECT_THAT(listen_config(checked(options)).ports.tls, IsEmpty());
}

TEST(ListenConfig, TheBindAddressIsParsedWithItsFamily) {
  ListenOptions options;
  options.udp_ports = {5514};
  options.address = "127.0.0.1";
  const BindAddress v4 = listen_config(checked(options)).address;
  EXPECT_EQ(v4.ip, *IpAddress::parse("127.0.0.1"));
  EXPECT_FALSE(v4.ipv6_literal);
  options.address = "::ffff:127.0.0.1";  // IPv4 inside, but written as IPv6: an IPv6 socket
  const BindAddress mapped = listen_config(checked(options)).address;
  EXPECT_TRUE(mapped.ip.is_v4());
  EXPECT_TRUE(mapped.ipv6_literal);
}

TEST(ListenConfig, ProxyPeersAreParsedIntoRanges) {
  ListenOptions options;
  options.tcp_ports = {1514};
  options.proxy_protocol_ports = {1514};
  options.proxy_from = {"10.0.0.0/8"};
  const ListenConfig config = listen_config(checked(options));
  ASSERT_NE(config.proxy_from, nullptr);
  EXPECT_TRUE(config.proxy_from->allows(*IpAddress::parse("10.1.2.3")));
  EXPECT_FALSE(config.proxy_from->allows(*IpAddress::parse("192.0.2.1")));
}

}  // namespace
}  // namespace kinesyslog::cli
