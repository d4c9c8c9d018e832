// RELP frames off a stream: a realistic omrelp session yields the same frames however the
// stream is cut into reads, and what is not RELP ends the parse with a reason.
#include "framing/relp_frame_parser.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kinesyslog::framing {
namespace {

using namespace std::string_literals;

struct Frame {
  uint32_t txnr;
  std::string command;
  std::string data;
  bool operator==(const Frame&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Frame& frame) {
  return out << frame.txnr << ' ' << frame.command << " [" << frame.data << ']';
}

struct Parsed {
  std::vector<Frame> frames;
  RelpFrameParser::Result last = RelpFrameParser::Result::kConsumed;
  std::string error;
};

// Feeds `stream` cut at `cuts` (offsets, ascending) and collects the frames.
Parsed parse(const std::string& stream, std::vector<size_t> cuts, size_t max_data = 1024) {
  RelpFrameParser parser{max_data};
  Parsed parsed;
  size_t begin = 0;
  cuts.push_back(stream.size());
  for (size_t cut : cuts) {
    parsed.last = parser.feed(std::string_view{stream}.substr(begin, cut - begin), [&](const RelpFrame& frame) {
      parsed.frames.push_back({frame.txnr, std::string(frame.command), std::string(frame.data)});
      return true;
    });
    begin = cut;
    if (parsed.last == RelpFrameParser::Result::kError) break;
  }
  parsed.error = parser.error();
  return parsed;
}

std::string frame_text(uint32_t txnr, const std::string& command, const std::string& data) {
  std::string text = std::to_string(txnr) + " " + command + " " + std::to_string(data.size());
  if (!data.empty()) text += " " + data;
  return text + "\n";
}

// What rsyslog's omrelp sends: open with its offers, messages (one with an LF inside its
// data, one whose data starts with digits and SP), an empty one, then close.
const std::string kOpenOffers =
    "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog";
const std::string kSession = frame_text(1, "open", kOpenOffers) +
                             frame_text(2, "syslog", "<13>Nov 30 07:00:00 host app: first") +
                             frame_text(3, "syslog", "<13>two\nlines here") + frame_text(4, "syslog", "12 <13> 3") +
                             frame_text(5, "syslog", "") + frame_text(6, "close", "");
const std::vector<Frame> kSessionFrames = {
    {1, "open", kOpenOffers},
    {2, "syslog", "<13>Nov 30 07:00:00 host app: first"},
    {3, "syslog", "<13>two\nlines here"},
    {4, "syslog", "12 <13> 3"},
    {5, "syslog", ""},
    {6, "close", ""},
};

TEST(RelpFrameParser, SessionInOneFeed) {
  const Parsed parsed = parse(kSession, {});
  EXPECT_EQ(parsed.last, RelpFrameParser::Result::kConsumed);
  EXPECT_EQ(parsed.frames, kSessionFrames);
}

TEST(RelpFrameParser, SessionSplitAtEveryByte) {
  for (size_t cut = 0; cut <= kSession.size(); ++cut) {
    const Parsed parsed = parse(kSession, {cut});
    ASSERT_EQ(parsed.frames, kSessionFrames) << "split at " << cut;
    ASSERT_EQ(parsed.last, RelpFrameParser::Result::kConsumed) << "split at " << cut;
  }
}

TEST(RelpFrameParser, SessionSplitAtEveryPairOfBytes) {
  for (size_t first = 0; first <= kSession.size(); ++first) {
    for (size_t second = first; second <= kSession.size(); second += 3) {
      ASSERT_EQ(parse(kSession, {first, second}).frames, kSessionFrames) << "split at " << first << ", " << second;
    }
  }
}

TEST(RelpFrameParser, SessionOneByteAtATime) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < kSession.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(parse(kSession, cuts).frames, kSessionFrames);
}

TEST(RelpFrameParser, WholeFrameInOneFeedIsAViewOfTheFedBytes) {
  RelpFrameParser parser{1024};
  const std::string frame = "7 syslog 5 hello\n";
  const char* data = nullptr;
  parser.feed(frame, [&](const RelpFrame& parsed) {
    data = parsed.data.data();
    return true;
  });
  EXPECT_EQ(data, frame.data() + 11);
  EXPECT_EQ(parser.buffered_bytes(), 0U);
}

TEST(RelpFrameParser, SplitFrameIsHeldAndCountedOnce) {
  RelpFrameParser parser{1024};
  const auto ignore = [](const RelpFrame&) { return true; };
  parser.feed("7 syslog 5 he", ignore);
  EXPECT_EQ(parser.buffered_bytes(), 2U);
  EXPECT_EQ(parser.partials_started(), 1U);
  parser.feed("l", ignore);
  EXPECT_EQ(parser.partials_started(), 1U);
  parser.feed("lo\n", ignore);
  EXPECT_EQ(parser.buffered_bytes(), 0U);
  EXPECT_TRUE(parser.at_frame_boundary());
}

TEST(RelpFrameParser, FalseFromTheCallbackStopsBeforeTheNextFrame) {
  RelpFrameParser parser{1024};
  std::vector<uint32_t> seen;
  const auto result = parser.feed("1 close 0\n2 syslog 1 x\n", [&](const RelpFrame& frame) {
    seen.push_back(frame.txnr);
    return false;
  });
  EXPECT_EQ(result, RelpFrameParser::Result::kStopped);
  EXPECT_EQ(seen, std::vector<uint32_t>{1});
}

TEST(RelpFrameParser, LargestNumbersAndCommandAreAccepted) {
  const std::string command(32, 'a');
  const Parsed parsed = parse("999999999 " + command + " 3 abc\n", {}, 3);
  ASSERT_EQ(parsed.frames.size(), 1U) << parsed.error;
  EXPECT_EQ(parsed.frames[0], (Frame{999999999, command, "abc"}));
}

struct Malformed {
  std::string name;
  std::string stream;
  std::string error;  // a part of the reason
};

class RelpFrameParserMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(RelpFrameParserMalformed, EndsTheParseWithAReasonAtEverySplit) {
  const Malformed& input = GetParam();
  for (size_t cut = 0; cut <= input.stream.size(); ++cut) {
    const Parsed parsed = parse(input.stream, {cut}, 16);
    ASSERT_EQ(parsed.last, RelpFrameParser::Result::kError) << "split at " << cut;
    ASSERT_NE(parsed.error.find(input.error), std::string::npos) << parsed.error;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, RelpFrameParserMalformed,
    ::testing::Values(Malformed{"letter_in_txnr", "1a open 0\n", "expected a transaction number"},
                      Malformed{"no_txnr", " open 0\n", "expected a transaction number"},
                      Malformed{"txnr_zero", "0 open 0\n", "transaction number 0"},
                      Malformed{"txnr_ten_digits", "1234567890 open 0\n", "longer than 9 digits"},
                      Malformed{"digit_in_command", "1 op3n 0\n", "expected a command"},
                      Malformed{"empty_command", "1  0\n", "expected a command"},
                      Malformed{"command_33_letters", "1 " + std::string(33, 'x') + " 0\n", "longer than 32"},
                      Malformed{"no_datalen", "1 open \n", "expected a data length"},
                      Malformed{"datalen_ten_digits", "1 syslog 1234567890 x\n", "longer than 9 digits"},
                      Malformed{"datalen_over_maximum", "1 syslog 17 " + std::string(17, 'x') + "\n",
                                "over the maximum"},
                      Malformed{"no_sp_after_datalen", "1 syslog 3x abc\n", "expected SP"},
                      Malformed{"zero_datalen_then_sp", "1 close 0 \n", "must end in LF"},
                      Malformed{"data_longer_than_datalen", "1 syslog 3 abcd\n", "LF trailer"},
                      Malformed{"crlf_trailer", "1 syslog 3 abc\r\n", "LF trailer"},
                      Malformed{"http", "GET / HTTP/1.1\r\n", "expected a transaction number"},
                      Malformed{"octet_counted_syslog", "12 <13>hello wo", "expected a command"}),
    [](const ::testing::TestParamInfo<Malformed>& param_info) { return param_info.param.name; });

TEST(RelpFrameParser, AfterAnErrorEveryFeedFails) {
  RelpFrameParser parser{16};
  const auto ignore = [](const RelpFrame&) { return true; };
  EXPECT_EQ(parser.feed("x", ignore), RelpFrameParser::Result::kError);
  EXPECT_EQ(parser.feed("1 syslog 1 a\n", ignore), RelpFrameParser::Result::kError);
}

}  // namespace
}  // namespace kinesyslog::framing
