// GELF over TCP/TLS (docs/behaviour.md §2.4): uncompressed JSON ended by NUL, LF or CR. SyslogFramer's
// non-transparent branch is exactly that framing: a GELF message starts with "{", never with a
// digit, so the octet-counting branch is never taken and no separate framer is needed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "framed_messages.hpp"

namespace kinesyslog::framing {
namespace {

using testing::Framed;
using testing::frame_byte_by_byte;
using testing::frame_in_pieces;
using testing::frame_whole;
using testing::whole;
using Messages = std::vector<Framed>;
using namespace std::string_literals;

std::string read_gelf_corpus(const std::string& name) {
  std::ifstream file(std::string(KINESYSLOG_CORPUS_DIR) + "/gelf/" + name, std::ios::binary);
  EXPECT_TRUE(file) << name;
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

TEST(GelfStream, NulTerminatedMessagesSplitAtAnyByte) {
  const std::string first = read_gelf_corpus("gelf-spec-netcat-example.json");
  const std::string second =
      R"({"version":"1.1","host":"h","short_message":"12 34 with \"digits\"","timestamp":1385053862.3072})";
  const std::string stream = first + '\0' + second + '\0';
  const Messages expected{whole(first), whole(second)};
  ASSERT_EQ(frame_whole(stream, 65536), expected);
  EXPECT_EQ(frame_byte_by_byte(stream, 65536), expected);
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    ASSERT_EQ(frame_in_pieces(stream, 65536, {cut}), expected) << "split at byte " << cut;
  }
}

TEST(GelfStream, LineFeedAndCarriageReturnAlsoEndAMessage) {
  EXPECT_EQ(frame_whole("{\"a\":1}\n{\"b\":2}\r\n{\"c\":3}\0"s, 100),
            (Messages{whole("{\"a\":1}"), whole("{\"b\":2}"), whole("{\"c\":3}")}));
}

TEST(GelfStream, MessageCutOffByTheCloseIsStillDelivered) {
  EXPECT_EQ(frame_whole("{\"a\":1}\0{\"b\":"s, 100), (Messages{whole("{\"a\":1}"), whole("{\"b\":")}));
}

}  // namespace
}  // namespace kinesyslog::framing
