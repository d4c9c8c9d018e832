// GELF payloads (docs/behaviour.md §2.4, §3.4): plain, gzip and zlib JSON; bombs; timestamps; the spec's examples.
#include "parse/gelf_decoder.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "parse/bounded_inflater.hpp"
#include "support/gzip_member.hpp"
#include "timestamp_test_support.hpp"

namespace kinesyslog::parse {
namespace {

using testing::received_at;
using testing::utc_ms;

const WallTime kReceived = received_at(2026, 3, 4, 5, 6, 7) + std::chrono::milliseconds{890};
const int64_t kReceivedMs = utc_ms(2026, 3, 4, 5, 6, 7, 890);
constexpr size_t kMaxMessageSize = 65536;

enum class Wrapper { kGzip, kZlib };

// Built with zlib itself, as a GELF sender would.
std::string compress(std::string_view text, Wrapper wrapper, int level = Z_DEFAULT_COMPRESSION) {
  return kinesyslog::testing::zlib_deflate(text, wrapper == Wrapper::kGzip ? 16 + 15 : 15, level);
}

std::string read_corpus(const std::string& name) {
  std::ifstream file(std::string(KINESYSLOG_CORPUS_DIR) + "/gelf/" + name, std::ios::binary);
  EXPECT_TRUE(file) << name;
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

const std::string kJson =
    R"({"version":"1.1","host":"example.org","short_message":"A short message","timestamp":1385053862.3072})";
const int64_t kJsonMs = 1385053862307;

class GelfDecoding : public ::testing::Test {
 protected:
  std::optional<std::string> body(std::string_view payload) {
    const std::optional<Event> event = decoder.decode(payload, kReceived);
    if (!event) return std::nullopt;
    return std::string{event->body};
  }
  int64_t timestamp_of(std::string_view json) {
    const std::optional<Event> event = decoder.decode(json, kReceived);
    EXPECT_TRUE(event.has_value()) << json;
    return event ? event->timestamp_ms : 0;
  }

  GelfDecoder decoder{kMaxMessageSize};
};

TEST_F(GelfDecoding, PlainJsonIsTheMessageUnchanged) {
  const std::optional<Event> event = decoder.decode(kJson, kReceived);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->body, kJson);
  EXPECT_EQ(event->body.data(), kJson.data());  // no copy: a view into the payload
  EXPECT_TRUE(event->prefix.empty());
}

TEST_F(GelfDecoding, GzipPayloadIsInflated) {
  EXPECT_EQ(body(compress(kJson, Wrapper::kGzip)), kJson);
}

TEST_F(GelfDecoding, ZlibPayloadIsInflated) {
  EXPECT_EQ(body(compress(kJson, Wrapper::kZlib)), kJson);
  EXPECT_EQ(body(compress(kJson, Wrapper::kZlib, Z_BEST_COMPRESSION)), kJson);  // 78 da
  EXPECT_EQ(body(compress(kJson, Wrapper::kZlib, Z_BEST_SPEED)), kJson);        // 78 01
}

TEST_F(GelfDecoding, CompressedAndPlainPayloadsAlternateOnOneDecoder) {
  const std::string longer = R"({"short_message":")" + std::string(50000, 'x') + R"("})";
  EXPECT_EQ(body(compress(longer, Wrapper::kGzip)), longer);
  EXPECT_EQ(body(kJson), kJson);
  EXPECT_EQ(body(compress(kJson, Wrapper::kZlib)), kJson);
}

TEST_F(GelfDecoding, PayloadNeitherJsonGzipNorZlibIsBad) {
  for (std::string_view payload : {"", "hello", " {}", "\x1e\x0f chunk", "\x1f", "[1]"}) {
    EXPECT_EQ(body(payload), std::nullopt) << payload;
  }
  EXPECT_EQ(decoder.counters().bad_payloads, 6u);
}

TEST_F(GelfDecoding, CompressedEmptyTextIsABadPayload) {
  EXPECT_EQ(body(compress("", Wrapper::kGzip)), std::nullopt);
  EXPECT_EQ(decoder.counters().bad_payloads, 1u);
}

TEST_F(GelfDecoding, DamagedGzipIsDroppedAndCounted) {
  std::string damaged = compress(kJson, Wrapper::kGzip);
  damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x55);
  EXPECT_EQ(body(damaged), std::nullopt);
  EXPECT_EQ(decoder.counters().corrupt_compressed, 1u);
}

TEST_F(GelfDecoding, GzipCutShortIsDroppedAndCounted) {
  const std::string whole = compress(kJson, Wrapper::kGzip);
  EXPECT_EQ(body(std::string_view{whole}.substr(0, whole.size() - 4)), std::nullopt);  // no trailer length
  EXPECT_EQ(body(std::string_view{whole}.substr(0, 12)), std::nullopt);
  EXPECT_EQ(decoder.counters().corrupt_compressed, 2u);
}

TEST_F(GelfDecoding, ZlibWithABadHeaderCheckIsDropped) {
  std::string payload = compress(kJson, Wrapper::kZlib);
  payload[1] = static_cast<char>(payload[1] ^ 1);  // RFC 1950 FCHECK no longer matches
  EXPECT_EQ(body(payload), std::nullopt);
  EXPECT_EQ(decoder.counters().corrupt_compressed, 1u);
}

TEST_F(GelfDecoding, TextOfExactlyTheMaximumIsKept) {
  GelfDecoder small{10};
  EXPECT_TRUE(small.decode(R"({"a":"bc"})", kReceived).has_value());
  EXPECT_TRUE(small.decode(compress(R"({"a":"bc"})", Wrapper::kGzip), kReceived).has_value());
  EXPECT_EQ(small.counters().oversized, 0u);
}

TEST_F(GelfDecoding, TextOneByteOverTheMaximumIsDroppedNotTruncated) {
  GelfDecoder small{10};
  EXPECT_FALSE(small.decode(R"({"a":"bcd"})", kReceived).has_value());
  EXPECT_FALSE(small.decode(compress(R"({"a":"bcd"})", Wrapper::kZlib), kReceived).has_value());
  EXPECT_EQ(small.counters().oversized, 2u);
}

TEST_F(GelfDecoding, DecompressionBombIsDroppedAtTheLimit) {
  const std::string bomb = compress("{" + std::string(100'000'000, '0'), Wrapper::kGzip, Z_BEST_COMPRESSION);
  ASSERT_LT(bomb.size(), 200'000u);
  EXPECT_EQ(body(bomb), std::nullopt);
  EXPECT_EQ(decoder.counters().oversized, 1u);
}

TEST(BoundedInflater, BombNeverGrowsTheBufferPastTheLimit) {
  const std::string bomb = compress(std::string(100'000'000, '\0'), Wrapper::kZlib, Z_BEST_COMPRESSION);
  BoundedInflater inflater{kMaxMessageSize};
  EXPECT_EQ(inflater.inflate(bomb, BoundedInflater::Format::kZlib), BoundedInflater::Result::kTooLarge);
  EXPECT_LE(inflater.buffer_capacity(), kMaxMessageSize + 1);
}

TEST(BoundedInflater, GzipGivenAsZlibIsCorrupt) {
  BoundedInflater inflater{kMaxMessageSize};
  EXPECT_EQ(inflater.inflate(compress(kJson, Wrapper::kGzip), BoundedInflater::Format::kZlib),
            BoundedInflater::Result::kCorrupt);
  EXPECT_EQ(inflater.inflate(compress(kJson, Wrapper::kGzip), BoundedInflater::Format::kGzip),
            BoundedInflater::Result::kComplete);
  EXPECT_EQ(inflater.output(), kJson);
}

TEST_F(GelfDecoding, IntegerTimestampIsSeconds) {
  EXPECT_EQ(timestamp_of(R"({"short_message":"x","timestamp":1385053862})"), 1385053862000);
}

TEST_F(GelfDecoding, FractionalTimestampIsTruncatedToMilliseconds) {
  EXPECT_EQ(timestamp_of(R"({"timestamp":1385053862.3079,"short_message":"x"})"), 1385053862307);
  EXPECT_EQ(timestamp_of(R"({"timestamp":1.001})"), 1001);
  EXPECT_EQ(timestamp_of(R"({"timestamp":1385053862.5})"), 1385053862500);
}

TEST_F(GelfDecoding, ExponentTimestampIsRead) {
  EXPECT_EQ(timestamp_of(R"({"timestamp":1.3850538623072E9})"), 1385053862307);
}

TEST_F(GelfDecoding, TimestampIsFoundAfterOtherMembersAndWhitespace) {
  EXPECT_EQ(timestamp_of("{\"a\":{\"timestamp\":1},\"b\":[1,2] ,\n \"timestamp\" :\t 1385053862 \n}"), 1385053862000);
}

TEST_F(GelfDecoding, MissingTimestampIsTheReceiveTime) {
  EXPECT_EQ(timestamp_of(R"({"short_message":"x"})"), kReceivedMs);
}

TEST_F(GelfDecoding, StringTimestampIsTheReceiveTime) {
  EXPECT_EQ(timestamp_of(R"({"timestamp":"1385053862.3072"})"), kReceivedMs);
}

TEST_F(GelfDecoding, NullOrBooleanTimestampIsTheReceiveTime) {
  EXPECT_EQ(timestamp_of(R"({"timestamp":null})"), kReceivedMs);
  EXPECT_EQ(timestamp_of(R"({"timestamp":true})"), kReceivedMs);
}

TEST_F(GelfDecoding, NestedTimestampIsNotTheMessages) {
  EXPECT_EQ(timestamp_of(R"({"_extra":{"timestamp":12}})"), kReceivedMs);
}

TEST_F(GelfDecoding, AbsurdTimestampIsTheReceiveTime) {
  EXPECT_EQ(timestamp_of(R"({"timestamp":1e300})"), kReceivedMs);
  EXPECT_EQ(timestamp_of(R"({"timestamp":12345678901234567890})"), kReceivedMs);
}

TEST_F(GelfDecoding, InvalidJsonIsStillAnEventWithItsTextUnchanged) {
  for (std::string_view text : {"{not json", "{\"timestamp\":", "{\"a\":1,,}", "{\"timestamp\":\"x}"}) {
    const std::optional<Event> event = decoder.decode(text, kReceived);
    ASSERT_TRUE(event.has_value()) << text;
    EXPECT_EQ(event->body, text);
    EXPECT_EQ(event->timestamp_ms, kReceivedMs) << text;
  }
}

TEST_F(GelfDecoding, CorpusPayloadKeepsItsTextAndTimestamp) {
  const std::string text = read_corpus("gelf-spec-example-payload.json");
  for (const std::string& payload : {text, compress(text, Wrapper::kGzip), compress(text, Wrapper::kZlib)}) {
    const std::optional<Event> event = decoder.decode(payload, kReceived);
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->body, text);
    EXPECT_EQ(event->timestamp_ms, 1385053862307);
  }
}

TEST_F(GelfDecoding, CorpusNetcatExampleHasNoTimestampSoTheReceiveTime) {
  const std::string text = read_corpus("gelf-spec-netcat-example.json");
  EXPECT_EQ(body(text), text);
  EXPECT_EQ(timestamp_of(text), kReceivedMs);
}

TEST(SecondsText, DecimalFormsGiveExactMilliseconds) {
  EXPECT_EQ(seconds_text_to_ms("0"), 0);
  EXPECT_EQ(seconds_text_to_ms("1385053862.3072"), kJsonMs);
  EXPECT_EQ(seconds_text_to_ms("-1.5"), -1500);
  EXPECT_EQ(seconds_text_to_ms("2.0000009"), 2000);
}

TEST(SecondsText, NonNumbersAreRejected) {
  for (std::string_view text : {"", "-", "1.", ".5", "1x", "1e", "1.5.5", "999999999999999999"}) {
    EXPECT_EQ(seconds_text_to_ms(text), std::nullopt) << text;
  }
}

// Beyond ±9.2e12 s the microseconds of the exponent path no longer fit 64 bits: such values
// are rejected (the receive time is used), never wrapped into a date ~292,000 years back.
TEST(SecondsText, ValuesBeyondTheRangeAreRejectedInEveryForm) {
  for (std::string_view text : {"1e14", "-1e14", "9.3e12", "9300000000000", "-9300000000000", "1e15", "99e13"}) {
    EXPECT_EQ(seconds_text_to_ms(text), std::nullopt) << text;
  }
  EXPECT_EQ(seconds_text_to_ms("9.1e12"), int64_t{9'100'000'000'000'000});
  EXPECT_EQ(seconds_text_to_ms("9100000000000"), int64_t{9'100'000'000'000'000});
  EXPECT_EQ(seconds_text_to_ms("1.5e3"), 1'500'000);
}

}  // namespace
}  // namespace kinesyslog::parse
