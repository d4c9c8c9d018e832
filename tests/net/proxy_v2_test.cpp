// PROXY protocol v2, the binary header (proxy-protocol.txt §2.2).
#include <gtest/gtest.h>

#include <string>

#include "net/proxy_header.hpp"
#include "proxy_header_support.hpp"

namespace kinesyslog::net {
namespace {

using testing::ipv4_block;
using testing::read_whole;
using testing::tlv;
using testing::v2_header;
using testing::with_crc32c;
using Status = ProxyHeaderReader::Status;
using namespace std::string_literals;
using namespace std::string_view_literals;

constexpr uint8_t kLocal = 0x20;
constexpr uint8_t kProxy = 0x21;
constexpr uint8_t kTcp4 = 0x11;

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

const std::string kTcp4Block = ipv4_block({192, 0, 2, 10}, {198, 51, 100, 5}, 51234, 6514);

void expect_invalid(const std::string& stream, std::string_view reason_part) {
  const auto outcome = read_whole(stream);
  EXPECT_EQ(outcome.status, Status::kInvalid);
  EXPECT_NE(outcome.error.find(reason_part), std::string::npos) << "error: " << outcome.error;
}

// What haproxy sends for a health check with send-proxy-v2: LOCAL, AF_UNSPEC, no addresses.
TEST(ProxyV2, LocalHealthCheckWithoutAddressesKeepsTheRealPeer) {
  const auto outcome = read_whole(v2_header(kLocal, 0x00, "") + "<13>hello\n");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.version, 2);
  EXPECT_EQ(outcome.header.command, ProxyHeader::Command::kLocal);
  EXPECT_FALSE(outcome.header.source);
  EXPECT_EQ(outcome.header_size, 16u);
  EXPECT_EQ(outcome.payload, "<13>hello\n");
}

TEST(ProxyV2, LocalIgnoresTheAddressesItCarries) {
  const auto outcome = read_whole(v2_header(kLocal, kTcp4, kTcp4Block));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.command, ProxyHeader::Command::kLocal);
  EXPECT_FALSE(outcome.header.source);
  EXPECT_EQ(outcome.header_size, 28u);
}

// §2.2: receivers must skip `length` bytes and not assume LOCAL carries a whole address block.
TEST(ProxyV2, LocalSkipsABlockShorterThanItsFamily) {
  const auto outcome = read_whole(v2_header(kLocal, kTcp4, "abc") + "payload");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header_size, 19u);
  EXPECT_EQ(outcome.payload, "payload");
}

TEST(ProxyV2, ProxyTcpOverIpv4) {
  const auto outcome = read_whole(v2_header(kProxy, kTcp4, kTcp4Block) + "<13>hello\n");
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.command, ProxyHeader::Command::kProxy);
  EXPECT_EQ(outcome.header.family, ProxyHeader::Family::kInet);
  EXPECT_EQ(outcome.header.transport, ProxyHeader::Transport::kStream);
  EXPECT_EQ(outcome.header.source, ip("192.0.2.10"));
  EXPECT_EQ(outcome.header.source_port, 51234);
  EXPECT_EQ(outcome.payload, "<13>hello\n");
}

TEST(ProxyV2, ProxyUdpOverIpv4) {
  const auto outcome = read_whole(v2_header(kProxy, 0x12, kTcp4Block));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.transport, ProxyHeader::Transport::kDgram);
  EXPECT_EQ(outcome.header.source, ip("192.0.2.10"));
}

TEST(ProxyV2, ProxyTcpOverIpv6) {
  const std::string source = "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"s;
  const std::string destination = "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02"s;
  const auto outcome = read_whole(v2_header(kProxy, 0x21, source + destination + "\xc8\x22\x19\x72"s));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.family, ProxyHeader::Family::kInet6);
  EXPECT_EQ(outcome.header.source, ip("2001:db8::1"));
  EXPECT_EQ(outcome.header.source_port, 51234);
  EXPECT_EQ(outcome.header_size, 16u + 36u);
}

TEST(ProxyV2, ProxyUnixStreamKeepsTheRealPeer) {
  std::string source_path = "/run/haproxy/client.sock";
  std::string destination_path = "/run/kinesyslog.sock";
  source_path.resize(108, '\0');
  destination_path.resize(108, '\0');
  const auto outcome = read_whole(v2_header(kProxy, 0x31, source_path + destination_path));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header.family, ProxyHeader::Family::kUnix);
  EXPECT_FALSE(outcome.header.source);
  EXPECT_EQ(outcome.header_size, 16u + 216u);
}

TEST(ProxyV2, ProxyWithUnspecifiedFamilyKeepsTheRealPeer) {
  const auto outcome = read_whole(v2_header(kProxy, 0x00, tlv(pp2::kTypeAuthority, "example.com")));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_FALSE(outcome.header.source);
  EXPECT_EQ(outcome.header_size, 16u + 3u + 11u);  // the AUTHORITY TLV is part of the header
}

// §2.2: an UNSPEC transport leaves the address information to be ignored.
TEST(ProxyV2, ProxyWithUnspecifiedTransportSkipsTheBlock) {
  const auto outcome = read_whole(v2_header(kProxy, 0x10, kTcp4Block));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_FALSE(outcome.header.source);
  EXPECT_EQ(outcome.header_size, 28u);
}

// haproxy with send-proxy-v2-ssl-cn and crc32c: ALPN, AUTHORITY, SSL{VERSION, CN}, CRC32C.
// Checksum 0x5bbecedd computed by an independent bit-at-a-time CRC32c.
const std::string_view kHaproxyTlsHeader =
    "\x0d\x0a\x0d\x0a\x00\x0d\x0a\x51\x55\x49\x54\x0a\x21\x11\x00\x56\xc0\x00\x02\x0a\xc6\x33\x64\x05"
    "\xc8\x22\x19\x72\x01\x00\x06\x73\x79\x73\x6c\x6f\x67\x02\x00\x10\x6c\x6f\x67\x73\x2e\x65\x78\x61"
    "\x6d\x70\x6c\x65\x2e\x63\x6f\x6d\x20\x00\x24\x07\x00\x00\x00\x00\x21\x00\x07\x54\x4c\x53\x76\x31"
    "\x2e\x33\x22\x00\x12\x63\x6c\x69\x65\x6e\x74\x2e\x65\x78\x61\x6d\x70\x6c\x65\x2e\x63\x6f\x6d\x03"
    "\x00\x04\x5b\xbe\xce\xdd"sv;

TEST(ProxyV2, HaproxyTlsTlvsAreAccepted) {
  const auto outcome = read_whole(kHaproxyTlsHeader);
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header_size, kHaproxyTlsHeader.size());
  EXPECT_EQ(outcome.header.source, ip("192.0.2.10"));
  EXPECT_EQ(outcome.header.source_port, 51234);
}

TEST(ProxyV2, SslTlvWithFailedVerification) {
  const std::string ssl = "\x01\x00\x00\x00\x0a"s + tlv(pp2::kSubtypeSslVersion, "TLSv1.2");
  const auto outcome = read_whole(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeSsl, ssl)));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;  // what the proxy verified is not the relay's to judge
}

TEST(ProxyV2, Crc32cOverTheWholeHeaderIsAccepted) {
  const std::string header = with_crc32c(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeAlpn, "h2")));
  const auto outcome = read_whole(header);
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header_size, header.size());
}

TEST(ProxyV2, Crc32cOnALocalHealthCheckIsChecked) {
  std::string header = with_crc32c(v2_header(kLocal, 0x00, ""));
  ASSERT_EQ(read_whole(header).status, Status::kDone);
  header[header.size() - 1] ^= 0x01;
  EXPECT_EQ(read_whole(header).status, Status::kInvalid);
}

TEST(ProxyV2, WrongCrc32cIsInvalid) {
  std::string header = with_crc32c(v2_header(kProxy, kTcp4, kTcp4Block));
  header[header.size() - 1] ^= 0x01;
  expect_invalid(header, "CRC32c mismatch");
}

TEST(ProxyV2, AddressChangedAfterTheChecksumIsInvalid) {
  std::string header{kHaproxyTlsHeader};
  header[19] = 11;  // source 192.0.2.11
  expect_invalid(header, "CRC32c mismatch");
}

TEST(ProxyV2, Crc32cTlvOfThreeBytesIsInvalid) {
  expect_invalid(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeCrc32c, "abc")), "CRC32c TLV has 3 bytes");
}

TEST(ProxyV2, TwoCrc32cTlvsAreInvalid) {
  const std::string header = with_crc32c(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeCrc32c, "abcd")));
  expect_invalid(header, "more than one CRC32c");
}

TEST(ProxyV2, NoopPaddingIsAccepted) {
  const auto outcome = read_whole(
      v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeNoop, "") + tlv(pp2::kTypeAlpn, "h2") + tlv(pp2::kTypeNoop, "pad")));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
}

TEST(ProxyV2, UnknownTlvTypesAreAccepted) {
  const auto outcome = read_whole(v2_header(kProxy, kTcp4, kTcp4Block + tlv(0xE0, "custom")));
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
}

TEST(ProxyV2, UniqueIdOf128BytesIsAccepted) {
  EXPECT_EQ(read_whole(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeUniqueId, std::string(128, 'u')))).status,
            Status::kDone);
}

TEST(ProxyV2, UniqueIdOver128BytesIsInvalid) {
  expect_invalid(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeUniqueId, std::string(129, 'u'))),
                 "UNIQUE_ID TLV has 129 bytes");
}

TEST(ProxyV2, TlvLongerThanTheHeaderIsInvalid) {
  std::string block = kTcp4Block + tlv(pp2::kTypeAlpn, "h2");
  block[kTcp4Block.size() + 2] = 3;  // declares 3 value bytes, 2 remain
  expect_invalid(v2_header(kProxy, kTcp4, block), "declares 3 value bytes but only 2 remain");
}

TEST(ProxyV2, LengthLeavingTooFewBytesForATlvIsInvalid) {
  expect_invalid(v2_header(kProxy, kTcp4, kTcp4Block + "\x01\x00"s), "truncated: 2 byte(s) left");
}

TEST(ProxyV2, SslTlvShorterThanClientAndVerifyIsInvalid) {
  expect_invalid(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeSsl, "\x01\x00\x00"s)), "SSL TLV has 3 value bytes");
}

TEST(ProxyV2, SslSubTlvOverrunningItsParentIsInvalid) {
  const std::string ssl = "\x01\x00\x00\x00\x00"s + "\x22\x00\x09" + "short";
  expect_invalid(v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeSsl, ssl)), "SSL TLV: sub-TLV");
}

// Early rejections: decided at the byte that cannot match, before the block arrives.
TEST(ProxyV2, BadSignatureByteIsInvalidAtThatByte) {
  std::string header = v2_header(kProxy, kTcp4, kTcp4Block);
  header[7] = 'q';  // "QUIT" → "qUIT"
  const auto outcome = read_whole(header);
  EXPECT_EQ(outcome.status, Status::kInvalid);
  EXPECT_NE(outcome.error.find("byte 8 is 0x71"), std::string::npos) << outcome.error;
  EXPECT_EQ(outcome.header_size, 8u);
}

TEST(ProxyV2, VersionOneInTheBinaryFormatIsInvalid) {
  expect_invalid(v2_header(0x11, kTcp4, kTcp4Block), "unsupported version 1");
}

TEST(ProxyV2, VersionThreeIsInvalid) {
  expect_invalid(v2_header(0x31, kTcp4, kTcp4Block), "unsupported version 3");
}

TEST(ProxyV2, UnassignedCommandIsInvalid) {
  expect_invalid(v2_header(0x22, kTcp4, kTcp4Block), "command 0x02 is neither LOCAL nor PROXY");
}

TEST(ProxyV2, UndefinedFamilyIsInvalid) {
  expect_invalid(v2_header(kProxy, 0x41, kTcp4Block), "address family 0x04");
}

TEST(ProxyV2, UndefinedTransportIsInvalid) {
  expect_invalid(v2_header(kProxy, 0x13, kTcp4Block), "transport 0x03");
}

TEST(ProxyV2, LengthTooShortForIpv4IsInvalidBeforeTheBlockArrives) {
  const auto outcome = read_whole(v2_header(kProxy, kTcp4, kTcp4Block.substr(0, 11)));
  EXPECT_EQ(outcome.status, Status::kInvalid);
  EXPECT_NE(outcome.error.find("length 11 is too short for the AF_INET address block of 12"), std::string::npos)
      << outcome.error;
  EXPECT_EQ(outcome.header_size, 16u);
}

TEST(ProxyV2, LengthTooShortForIpv6IsInvalid) {
  expect_invalid(v2_header(kProxy, 0x21, std::string(35, '\0')), "too short for the AF_INET6 address block of 36");
}

TEST(ProxyV2, LengthTooShortForUnixIsInvalid) {
  expect_invalid(v2_header(kProxy, 0x32, std::string(215, '\0')), "too short for the AF_UNIX address block of 216");
}

TEST(ProxyV2, LargestHeaderIsReadWholeAndNoFurther) {
  const std::string padding = tlv(pp2::kTypeNoop, std::string(0xFFFF - kTcp4Block.size() - 3, '\0'));
  const auto outcome = read_whole(v2_header(kProxy, kTcp4, kTcp4Block + padding) + "\x16\x03\x01"s);
  ASSERT_EQ(outcome.status, Status::kDone) << outcome.error;
  EXPECT_EQ(outcome.header_size, ProxyHeaderReader::kMaxV2HeaderSize);
  EXPECT_EQ(outcome.payload, "\x16\x03\x01");
}

// A peer that announces the largest block and sends only a little of it holds only that little.
TEST(ProxyV2, BufferGrowsWithTheBytesNotToTheAnnouncedLength) {
  const std::string header = v2_header(kProxy, kTcp4, kTcp4Block + tlv(pp2::kTypeNoop, std::string(0xFFF0, '\0')));
  ProxyHeaderReader reader;
  EXPECT_EQ(reader.feed(std::string_view(header).substr(0, 16)), Status::kNeedMore);
  EXPECT_LT(reader.buffered_bytes(), 256u);
  EXPECT_EQ(reader.feed(std::string_view(header).substr(16, 1000)), Status::kNeedMore);
  EXPECT_LT(reader.buffered_bytes(), 4096u);
  EXPECT_EQ(reader.feed(std::string_view(header).substr(1016)), Status::kDone) << reader.error();
  EXPECT_EQ(reader.buffered_bytes(), 0u);  // given back once decoded
}

}  // namespace
}  // namespace kinesyslog::net
