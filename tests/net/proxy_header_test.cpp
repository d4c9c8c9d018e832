// The incremental reader: any split of the stream reads like one feed, the payload after the
// header is left untouched, and anything that is not a PROXY header is refused early.
#include "net/proxy_header.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy_header_support.hpp"

namespace kinesyslog::net {
namespace {

using testing::every_byte;
using testing::ipv4_block;
using testing::read_in_pieces;
using testing::read_whole;
using testing::ReadOutcome;
using testing::tlv;
using testing::v2_header;
using testing::with_crc32c;
using ProxyStatus = ProxyHeaderReader::Status;
using namespace std::string_literals;

// A TLS 1.2 ClientHello's first bytes: handshake record, version 3.1, length, ClientHello.
const std::string kClientHello = "\x16\x03\x01\x00\xf1\x01\x00\x00\xed\x03\x03"s + std::string(32, '\x5a');

std::string ssl_with_cn() {
  return "\x07\0\0\0\0"s + tlv(pp2::kSubtypeSslVersion, "TLSv1.3") + tlv(pp2::kSubtypeSslCn, "client.example.com");
}

// Every kind of header, each followed by a payload the reader must not touch.
std::vector<std::string> valid_streams() {
  const std::string block = ipv4_block({10, 1, 2, 3}, {10, 9, 8, 7}, 40000, 6514);
  return {
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n\r\n",
      "PROXY TCP6 2001:db8::1 2001:db8::2 51234 6514\r\n<13>hello\n",
      "PROXY UNKNOWN\r\n" + kClientHello,
      v2_header(0x20, 0x00, "") + kClientHello,
      v2_header(0x21, 0x11, block) + kClientHello,
      v2_header(0x21, 0x31, std::string(216, '\0')) + "<13>x\n",
      with_crc32c(v2_header(0x21, 0x11, block + tlv(pp2::kTypeAlpn, "h2") + tlv(pp2::kTypeAuthority, "logs.example") +
                                             tlv(pp2::kTypeSsl, ssl_with_cn()))) +
          kClientHello,
  };
}

std::vector<std::string> invalid_streams() {
  const std::string block = ipv4_block({10, 1, 2, 3}, {10, 9, 8, 7}, 40000, 6514);
  std::string bad_crc = with_crc32c(v2_header(0x21, 0x11, block));
  bad_crc.back() ^= 0x40;
  return {
      "PROXY TCP4 192.168.0.1 192.168.0.256 56324 443\r\n<13>x\n",
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n<13>x\n",
      "PROXY UNKNOWN " + std::string(120, 'x') + "\r\n",
      v2_header(0x21, 0x11, block + "\x01\x00"s) + kClientHello,
      bad_crc + kClientHello,
      "<13>Feb 21 21:07:50 host app: hello\n",
  };
}

void expect_same(const ReadOutcome& actual, const ReadOutcome& expected) {
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.header_size, expected.header_size);
  EXPECT_EQ(actual.header, expected.header);
  EXPECT_EQ(actual.error, expected.error);
  EXPECT_EQ(actual.payload, expected.payload);
}

TEST(ProxyHeaderReader, PayloadAfterEveryHeaderIsLeftUntouched) {
  for (const std::string& stream : valid_streams()) {
    const auto outcome = read_whole(stream);
    ASSERT_EQ(outcome.status, ProxyStatus::kDone) << outcome.error;
    EXPECT_EQ(outcome.payload, stream.substr(outcome.header_size));
    EXPECT_TRUE(outcome.payload == kClientHello || outcome.payload.starts_with("<13>") ||
                outcome.payload.starts_with("GET"));
  }
}

TEST(ProxyHeaderReader, EveryHeaderSplitAtEveryByteReadsLikeOneFeed) {
  for (const std::string& stream : valid_streams()) {
    const auto whole = read_whole(stream);
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      SCOPED_TRACE("split at " + std::to_string(cut));
      expect_same(read_in_pieces(stream, {cut}), whole);
    }
  }
}

TEST(ProxyHeaderReader, EveryHeaderFedOneByteAtATimeReadsLikeOneFeed) {
  for (const std::string& stream : valid_streams()) expect_same(read_in_pieces(stream, every_byte(stream.size())), read_whole(stream));
}

TEST(ProxyHeaderReader, EveryHeaderSplitAtEveryPairOfBytesReadsLikeOneFeed) {
  const std::string stream = valid_streams().back();
  const auto whole = read_whole(stream);
  for (size_t first = 0; first <= stream.size(); ++first) {
    for (size_t second = first; second <= stream.size(); ++second) {
      ASSERT_EQ(read_in_pieces(stream, {first, second}).header, whole.header) << first << "," << second;
    }
  }
}

TEST(ProxyHeaderReader, InvalidHeadersSplitAtEveryByteGiveTheSameReason) {
  for (const std::string& stream : invalid_streams()) {
    const auto whole = read_whole(stream);
    ASSERT_EQ(whole.status, ProxyStatus::kInvalid) << stream;
    ASSERT_FALSE(whole.error.empty());
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      SCOPED_TRACE("split at " + std::to_string(cut));
      expect_same(read_in_pieces(stream, {cut}), whole);
    }
    expect_same(read_in_pieces(stream, every_byte(stream.size())), whole);
  }
}

TEST(ProxyHeaderReader, HeaderBytesInEachFeedAddUpToTheHeader) {
  const std::string stream = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n<13>x\n";
  ProxyHeaderReader reader;
  EXPECT_EQ(reader.feed(stream.substr(0, 20)), ProxyStatus::kNeedMore);
  EXPECT_EQ(reader.header_bytes_in_last_feed(), 20u);
  EXPECT_EQ(reader.feed(stream.substr(20, 30)), ProxyStatus::kDone);
  EXPECT_EQ(reader.header_bytes_in_last_feed(), 27u);
  EXPECT_EQ(reader.header_size(), 47u);
}

TEST(ProxyHeaderReader, FeedAfterDoneConsumesNothing) {
  ProxyHeaderReader reader;
  ASSERT_EQ(reader.feed("PROXY UNKNOWN\r\n"), ProxyStatus::kDone);
  EXPECT_EQ(reader.feed("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), ProxyStatus::kDone);
  EXPECT_EQ(reader.header_bytes_in_last_feed(), 0u);
  EXPECT_EQ(reader.header_size(), 15u);
  EXPECT_FALSE(reader.header().source);
}

TEST(ProxyHeaderReader, EmptyFeedNeedsMore) {
  ProxyHeaderReader reader;
  EXPECT_EQ(reader.feed(""), ProxyStatus::kNeedMore);
  EXPECT_EQ(reader.header_bytes_in_last_feed(), 0u);
}

// Anything else is refused as soon as its prefix cannot match (§2.1: abort as soon as possible).
TEST(ProxyHeaderReader, SyslogLineIsRejectedAtItsFirstByte) {
  ProxyHeaderReader reader;
  EXPECT_EQ(reader.feed("<"), ProxyStatus::kInvalid);
  EXPECT_NE(reader.error().find("first byte 0x3c"), std::string::npos) << reader.error();
  EXPECT_EQ(reader.header_size(), 0u);
}

TEST(ProxyHeaderReader, OctetCountedSyslogIsRejectedAtItsFirstByte) {
  EXPECT_EQ(read_whole("57 <34>1 2003-10-11T22:14:15.003Z host su - ID47 - hello").status, ProxyStatus::kInvalid);
}

TEST(ProxyHeaderReader, TlsClientHelloWithoutHeaderIsRejectedAtItsFirstByte) {
  const auto outcome = read_whole(kClientHello);
  EXPECT_EQ(outcome.status, ProxyStatus::kInvalid);
  EXPECT_NE(outcome.error.find("first byte 0x16"), std::string::npos) << outcome.error;
  EXPECT_EQ(outcome.header_size, 0u);
}

TEST(ProxyHeaderReader, Http2PrefaceIsRejectedAtItsThirdByte) {
  ProxyHeaderReader reader;
  EXPECT_EQ(reader.feed("PR"), ProxyStatus::kNeedMore);
  EXPECT_EQ(reader.feed("I * HTTP/2.0\r\n"), ProxyStatus::kInvalid);
  EXPECT_EQ(reader.header_size(), 3u);
}

TEST(ProxyHeaderReader, CrLfTextIsRejectedWhereTheV2SignatureDiffers) {
  const auto outcome = read_whole("\r\n\r\nhello");
  EXPECT_EQ(outcome.status, ProxyStatus::kInvalid);
  EXPECT_EQ(outcome.header_size, 5u);
}

TEST(ProxyHeaderReader, StreamEndingBeforeAnyByteIsInvalid) {
  ProxyHeaderReader reader;
  EXPECT_EQ(reader.finish(), ProxyStatus::kInvalid);
  EXPECT_NE(reader.error().find("before a PROXY header"), std::string::npos);
}

TEST(ProxyHeaderReader, StreamEndingInsideAV1LineIsInvalid) {
  ProxyHeaderReader reader;
  ASSERT_EQ(reader.feed("PROXY TCP4 192.168.0.1"), ProxyStatus::kNeedMore);
  EXPECT_EQ(reader.finish(), ProxyStatus::kInvalid);
  EXPECT_NE(reader.error().find("inside a PROXY v1 line after 22 bytes"), std::string::npos) << reader.error();
}

TEST(ProxyHeaderReader, StreamEndingInsideAV2HeaderIsInvalid) {
  const std::string header = v2_header(0x21, 0x11, ipv4_block({10, 1, 2, 3}, {10, 9, 8, 7}, 1, 2));
  ProxyHeaderReader reader;
  ASSERT_EQ(reader.feed(std::string_view{header}.substr(0, 20)), ProxyStatus::kNeedMore);
  EXPECT_EQ(reader.finish(), ProxyStatus::kInvalid);
  EXPECT_NE(reader.error().find("inside a PROXY v2 header after 20 bytes"), std::string::npos) << reader.error();
}

TEST(ProxyHeaderReader, FinishAfterDoneKeepsTheHeader) {
  ProxyHeaderReader reader;
  ASSERT_EQ(reader.feed("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), ProxyStatus::kDone);
  EXPECT_EQ(reader.finish(), ProxyStatus::kDone);
  EXPECT_EQ(reader.header().source_port, 56324);
}

// §2: for UDP the header and payload share one datagram; one feed and a finish decide it.
TEST(ProxyHeaderReader, DatagramWithHeaderAndPayload) {
  const std::string datagram =
      v2_header(0x21, 0x12, ipv4_block({10, 1, 2, 3}, {10, 9, 8, 7}, 5140, 514)) + "<13>udp message";
  ProxyHeaderReader reader;
  ASSERT_EQ(reader.feed(datagram), ProxyStatus::kDone) << reader.error();
  EXPECT_EQ(reader.finish(), ProxyStatus::kDone);
  EXPECT_EQ(std::string_view{datagram}.substr(reader.header_bytes_in_last_feed()), "<13>udp message");
  EXPECT_EQ(reader.header().source_port, 5140);
}

}  // namespace
}  // namespace kinesyslog::net
