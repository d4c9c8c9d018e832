// PROXY protocol v1, the text line (proxy-protocol.txt §2.1).
#include <gtest/gtest.h>

#include <string>

#include "net/proxy_header.hpp"
#include "proxy_header_support.hpp"

namespace kinesyslog::net {
namespace {

using testing::read_whole;
using Status = ProxyHeaderReader::Status;
using namespace std::string_literals;

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

void expect_invalid(const std::string& stream, std::string_view reason_part) {
  const auto outcome = read_whole(stream);
  EXPECT_EQ(outcome.status, Status::kInvalid) << stream;
  EXPECT_NE(outcome.error.find(reason_part), std::string::npos) << "error: " << outcome.error;
}

TEST(ProxyV1, SpecExampleBeforeAnHttpRequest) {
  const std::string request = "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";
  const auto outcome = read_whole("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" + request);
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.version, 1);
  EXPECT_EQ(outcome.header.command, ProxyHeader::Command::kProxy);
  EXPECT_EQ(outcome.header.family, ProxyHeader::Family::kInet);
  EXPECT_EQ(outcome.header.transport, ProxyHeader::Transport::kStream);
  EXPECT_EQ(outcome.header.source, ip("192.168.0.1"));
  EXPECT_EQ(outcome.header.source_port, 56324);
  EXPECT_EQ(outcome.header_size, 47u);
  EXPECT_EQ(outcome.payload, request);
}

TEST(ProxyV1, HaproxyTcp6LineWithCompressedAddresses) {
  const auto outcome = read_whole("PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 51234 6514\r\n<13>hello\n");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.family, ProxyHeader::Family::kInet6);
  EXPECT_EQ(outcome.header.source, ip("2001:db8::1"));
  EXPECT_EQ(outcome.header.source_port, 51234);
  EXPECT_EQ(outcome.payload, "<13>hello\n");
}

TEST(ProxyV1, UnknownShortFormKeepsTheRealPeer) {
  const auto outcome = read_whole("PROXY UNKNOWN\r\n<13>hello\n");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.family, ProxyHeader::Family::kUnspec);
  EXPECT_FALSE(outcome.header.source);
  EXPECT_EQ(outcome.header_size, 15u);
  EXPECT_EQ(outcome.payload, "<13>hello\n");
}

TEST(ProxyV1, UnknownIgnoresEverythingBeforeTheCrlf) {
  const auto outcome = read_whole("PROXY UNKNOWN whatever a proxy put here 1.2.3.4\r\nrest");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_FALSE(outcome.header.source);
  EXPECT_EQ(outcome.payload, "rest");
}

// §2.1 lists the longest line of each kind; the receiver must take all of them.
TEST(ProxyV1, LongestTcp4LineOf56Bytes) {
  const auto outcome = read_whole("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header_size, 56u);
  EXPECT_EQ(outcome.header.source, ip("255.255.255.255"));
  EXPECT_EQ(outcome.header.source_port, 65535);
}

const std::string kMaxIpv6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

TEST(ProxyV1, LongestTcp6LineOf104Bytes) {
  const auto outcome = read_whole("PROXY TCP6 " + kMaxIpv6 + " " + kMaxIpv6 + " 65535 65535\r\n");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.source, ip(kMaxIpv6));
  EXPECT_EQ(outcome.header_size, 104u);
}

TEST(ProxyV1, WorstCaseUnknownLineOf107Bytes) {
  const auto outcome = read_whole("PROXY UNKNOWN " + kMaxIpv6 + " " + kMaxIpv6 + " 65535 65535\r\nafter");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header_size, 107u);
  EXPECT_EQ(outcome.payload, "after");
}

TEST(ProxyV1, ZeroAddressesAndPortsAreValid) {
  const auto outcome = read_whole("PROXY TCP4 0.0.0.0 10.0.0.1 0 514\r\n");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.source, ip("0.0.0.0"));
  EXPECT_EQ(outcome.header.source_port, 0);
}

TEST(ProxyV1, LineWithoutCrlfWithin107BytesIsInvalidAndNoByteMoreIsRead) {
  const std::string line = "PROXY UNKNOWN " + std::string(100, 'x') + "\r\n";
  const auto outcome = read_whole(line);
  EXPECT_EQ(outcome.status, Status::kInvalid);
  EXPECT_NE(outcome.error.find("107"), std::string::npos) << outcome.error;
  EXPECT_EQ(outcome.header_size, 107u);
}

TEST(ProxyV1, BareLfWithoutCrIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n", "bare LF");
}

TEST(ProxyV1, CrNotFollowedByLfIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rX", "CR not followed by LF");
}

TEST(ProxyV1, UnknownLineStillNeedsCrlf) {
  expect_invalid("PROXY UNKNOWN\n", "bare LF");
}

TEST(ProxyV1, TwoSpacesBetweenFieldsAreInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n", "two spaces");
}

TEST(ProxyV1, TwoSpacesAfterPrefixAreInvalid) {
  expect_invalid("PROXY  TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", "is not TCP4, TCP6 or UNKNOWN");
}

TEST(ProxyV1, UnsupportedProtocolIsInvalid) {
  expect_invalid("PROXY UDP4 192.168.0.1 192.168.0.11 56324 443\r\n", "\"UD\" is not TCP4, TCP6 or UNKNOWN");
}

TEST(ProxyV1, ProtocolWithExtraLettersIsInvalid) {
  expect_invalid("PROXY UNKNOWNS\r\n", "is not TCP4, TCP6 or UNKNOWN");
}

TEST(ProxyV1, LowerCaseSignatureIsInvalid) {
  expect_invalid("Proxy TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", "does not start \"PROXY \"");
}

TEST(ProxyV1, Ipv4OctetWithHeadingZeroIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.01 192.168.0.11 56324 443\r\n", "source address \"192.168.0.01\"");
}

TEST(ProxyV1, Ipv4OctetOver255IsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.256 56324 443\r\n", "destination address \"192.168.0.256\"");
}

TEST(ProxyV1, Ipv4WithThreeOctetsIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.1 192.168.0.11 56324 443\r\n", "not a valid IPv4 address");
}

TEST(ProxyV1, Ipv4WithFiveOctetsIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1.5 192.168.0.11 56324 443\r\n", "not a valid IPv4 address");
}

TEST(ProxyV1, Ipv4WithEmptyOctetIsInvalid) {
  expect_invalid("PROXY TCP4 192..0.1 192.168.0.11 56324 443\r\n", "not a valid IPv4 address");
}

TEST(ProxyV1, Ipv6AddressOnATcp4LineIsInvalid) {
  expect_invalid("PROXY TCP4 2001:db8::1 192.168.0.11 56324 443\r\n", "unexpected byte 0x3a");
}

TEST(ProxyV1, Ipv4AddressOnATcp6LineIsInvalid) {
  expect_invalid("PROXY TCP6 192.168.0.1 2001:db8::2 56324 443\r\n", "unexpected byte 0x2e");
}

TEST(ProxyV1, Ipv6GroupOfFiveDigitsIsInvalid) {
  expect_invalid("PROXY TCP6 2001:db8::12345 2001:db8::2 56324 443\r\n", "source address \"2001:db8::12345\"");
}

TEST(ProxyV1, Ipv6WithNineGroupsIsInvalid) {
  expect_invalid("PROXY TCP6 2001:db8::2 1:2:3:4:5:6:7:8:9 56324 443\r\n", "not a valid IPv6 address");
}

TEST(ProxyV1, Ipv6WithTwoDoubleColonsIsInvalid) {
  expect_invalid("PROXY TCP6 2001::db8::1 2001:db8::2 56324 443\r\n", "not a valid IPv6 address");
}

TEST(ProxyV1, Ipv6WithEmbeddedDottedQuadIsInvalid) {
  expect_invalid("PROXY TCP6 ::ffff:1.2.3.4 2001:db8::2 56324 443\r\n", "unexpected byte 0x2e");
}

TEST(ProxyV1, PortWithHeadingZeroIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n", "source port \"056324\"");
}

TEST(ProxyV1, PortOver65535IsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.11 56324 65536\r\n", "destination port \"65536\"");
}

TEST(ProxyV1, MissingPortIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n", "has 5 fields");
}

TEST(ProxyV1, ExtraFieldIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 1\r\n", "more than 6");
}

TEST(ProxyV1, TrailingSpaceBeforeCrlfIsInvalid) {
  expect_invalid("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n", "empty field");
}

TEST(ProxyV1, Tcp4WithoutAddressesIsInvalid) {
  expect_invalid("PROXY TCP4\r\n", "has 2 fields");
}

}  // namespace
}  // namespace kinesyslog::net
