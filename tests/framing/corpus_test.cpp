// Syslog payloads from the OpenTelemetry collector's syslog test data (tests/data/syslog).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "framed_messages.hpp"

namespace kinesyslog::framing {
namespace {

using testing::Framed;
using testing::frame_byte_by_byte;
using testing::frame_whole;
using testing::whole;
using Messages = std::vector<Framed>;

constexpr size_t kMax = 65536;

std::string read_corpus(const std::string& name) {
  std::ifstream file(std::string(KINESYSLOG_CORPUS_DIR "/syslog/otel-syslogtest/") + name, std::ios::binary);
  EXPECT_TRUE(file) << "corpus file " << name << " is missing";
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

const std::string kRfc5424 =
    "<86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 "
    "[SecureAuth@27389 UserHostAddress=\"192.168.2.132\" Realm=\"SecureAuth0\" UserID=\"Tester2\" PEN=\"27389\"] "
    "Found the user for retrieving user's profile";

TEST(Corpus, Rfc6587OctetCounting) {
  const std::string stream = read_corpus("rfc6587-octet-counting");
  EXPECT_EQ(frame_whole(stream, kMax), (Messages{whole(kRfc5424)}));
  EXPECT_EQ(frame_byte_by_byte(stream, kMax), (Messages{whole(kRfc5424)}));
}

TEST(Corpus, Rfc6587OctetCountingPreservesDoubleAndTrailingSpace) {
  const std::string stream = read_corpus("rfc6587-octet-counting-preserve-space");
  const Messages expected{whole("<86>1 2015-08-05T21:58:59.693Z 192.168.2.132 inactive - - -  partition is p2 ")};
  EXPECT_EQ(frame_whole(stream, kMax), expected);
  EXPECT_EQ(frame_byte_by_byte(stream, kMax), expected);
}

TEST(Corpus, Rfc6587NonTransparentFramingEndsAtNul) {
  const std::string stream = read_corpus("rfc6587-non-transparent-framing");
  EXPECT_EQ(frame_whole(stream, kMax, /*close=*/false), (Messages{whole(kRfc5424)}));
  EXPECT_EQ(frame_byte_by_byte(stream, kMax), (Messages{whole(kRfc5424)}));
}

TEST(Corpus, Rfc5424WithoutTerminatorIsDeliveredAtClose) {
  const std::string stream = read_corpus("RFC5424");
  EXPECT_EQ(frame_whole(stream, kMax, /*close=*/false), Messages{});
  EXPECT_EQ(frame_whole(stream, kMax), (Messages{whole(kRfc5424)}));
}

TEST(Corpus, Rfc3164KeepsThePaddedDay) {
  const std::string stream = read_corpus("RFC3164");
  EXPECT_EQ(frame_byte_by_byte(stream, kMax), (Messages{whole("<34>Feb  4 11:14:27 1.2.3.4 apache_server: test message")}));
}

TEST(Corpus, AllFilesBackToBackAsOneStream) {
  // Octet-counted and NUL-terminated messages interleaved on one connection, LF between the rest.
  const std::string stream = read_corpus("rfc6587-octet-counting") + read_corpus("rfc6587-non-transparent-framing") +
                             read_corpus("rfc6587-octet-counting-preserve-space") + read_corpus("RFC3164") + "\n" +
                             read_corpus("RFC5424");
  const Messages messages = frame_byte_by_byte(stream, kMax);
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages, frame_whole(stream, kMax));
  EXPECT_EQ(messages[0], whole(kRfc5424));
  EXPECT_EQ(messages[1], whole(kRfc5424));
  EXPECT_EQ(messages[4], whole(kRfc5424));
}

}  // namespace
}  // namespace kinesyslog::framing
