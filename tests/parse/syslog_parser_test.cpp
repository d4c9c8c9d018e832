#include "parse/syslog_parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "timestamp_test_support.hpp"

namespace kinesyslog::parse {
namespace {

using testing::received_at;
using testing::utc_ms;

// 2026-03-04T05:06:07.123456789Z: nanoseconds, so the rewrite must truncate to microseconds.
const WallTime kSyslogReceived = received_at(2026, 3, 4, 5, 6, 7) + std::chrono::nanoseconds{123'456'789};
const int64_t kSyslogReceivedMs = utc_ms(2026, 3, 4, 5, 6, 7, 123);

std::string message_text(const Event& event) { return std::string(event.prefix) + std::string(event.body); }

std::string read_syslog_corpus(const std::string& relative) {
  std::ifstream file(std::string(KINESYSLOG_CORPUS_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(file) << relative;
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string text = contents.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();  // framing's job
  return text;
}

TEST(ReceivedTime, FormatsMicrosecondsAndZ) {
  char out[kReceivedTimeLength];
  format_received_time(kSyslogReceived, out);
  EXPECT_EQ(std::string_view(out, sizeof out), "2026-03-04T05:06:07.123456Z");
}

TEST(ReceivedTime, EpochAndWholeSecondsArePadded) {
  char out[kReceivedTimeLength];
  format_received_time(WallTime{}, out);
  EXPECT_EQ(std::string_view(out, sizeof out), "1970-01-01T00:00:00.000000Z");
  format_received_time(received_at(2024, 2, 29, 23, 59, 59) + std::chrono::microseconds{7}, out);
  EXPECT_EQ(std::string_view(out, sizeof out), "2024-02-29T23:59:59.000007Z");
}

TEST(SyslogParser, ReadableTimestampKeepsTheMessageWhole) {
  SyslogParser parser;
  const std::string_view message = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - hi";
  const Event event = parser.parse(message, kSyslogReceived, "192.0.2.7");
  EXPECT_EQ(event.timestamp_ms, utc_ms(2003, 10, 11, 22, 14, 15, 3));
  EXPECT_TRUE(event.prefix.empty());
  EXPECT_EQ(event.body.data(), message.data());
  EXPECT_EQ(event.body.size(), message.size());
}

TEST(SyslogParser, UnreadableTimestampIsRewrittenWithTheMessagesOwnPri) {
  SyslogParser parser;
  const std::string_view message = "<34>hello world";
  const Event event = parser.parse(message, kSyslogReceived, "192.0.2.7");
  EXPECT_EQ(event.prefix, "<34>1 2026-03-04T05:06:07.123456Z 192.0.2.7 ");
  EXPECT_EQ(event.body, "hello world");
  EXPECT_EQ(event.body.data(), message.data() + 4);  // zero-copy: a view into the message
  EXPECT_EQ(event.timestamp_ms, kSyslogReceivedMs);
  EXPECT_EQ(event.message_size(), message_text(event).size());
}

TEST(SyslogParser, MessageWithoutPriIsRewrittenWithPri13) {
  SyslogParser parser;
  const Event event = parser.parse("Use the BFG!", kSyslogReceived, "10.0.0.99");
  EXPECT_EQ(message_text(event), "<13>1 2026-03-04T05:06:07.123456Z 10.0.0.99 Use the BFG!");
  EXPECT_EQ(event.timestamp_ms, kSyslogReceivedMs);
}

TEST(SyslogParser, Ipv6SourceAppearsAsText) {
  SyslogParser parser;
  const Event event = parser.parse("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat", kSyslogReceived, "2001:db8::1");
  EXPECT_EQ(message_text(event), "<0>1 2026-03-04T05:06:07.123456Z 2001:db8::1 1990 Oct 22 10:52:01 TZ-6 scapegoat");
}

TEST(SyslogParser, OutOfRangePriIsPartOfTheRest) {
  SyslogParser parser;
  const Event event = parser.parse("<192>x", kSyslogReceived, "192.0.2.7");
  EXPECT_EQ(message_text(event), "<13>1 2026-03-04T05:06:07.123456Z 192.0.2.7 <192>x");
}

TEST(SyslogParser, NilTimestampIsRewrittenKeepingEverythingAfterPri) {
  SyslogParser parser;
  const Event event = parser.parse("<165>1 - host app - - - msg", kSyslogReceived, "192.0.2.7");
  EXPECT_EQ(message_text(event), "<165>1 2026-03-04T05:06:07.123456Z 192.0.2.7 1 - host app - - - msg");
}

TEST(SyslogParser, InvalidDateIsRewritten) {
  SyslogParser parser;
  const Event event = parser.parse("<34>1 2026-02-30T00:00:00Z host", kSyslogReceived, "192.0.2.7");
  EXPECT_EQ(message_text(event), "<34>1 2026-03-04T05:06:07.123456Z 192.0.2.7 1 2026-02-30T00:00:00Z host");
  EXPECT_EQ(event.timestamp_ms, kSyslogReceivedMs);
}

TEST(SyslogParser, EmptyMessageIsRewritten) {
  SyslogParser parser;
  const Event event = parser.parse("", kSyslogReceived, "192.0.2.7");
  EXPECT_EQ(event.prefix, "<13>1 2026-03-04T05:06:07.123456Z 192.0.2.7 ");
  EXPECT_TRUE(event.body.empty());
}

TEST(SyslogParser, PriOnlyMessageIsRewrittenWithEmptyRest) {
  SyslogParser parser;
  const Event event = parser.parse("<34>", kSyslogReceived, "192.0.2.7");
  EXPECT_EQ(message_text(event), "<34>1 2026-03-04T05:06:07.123456Z 192.0.2.7 ");
}

TEST(SyslogParser, TimestampAtStartWithoutPriIsRead) {
  SyslogParser parser;
  const std::string_view message = "Mar  3 10:00:00 host app: started";
  const Event event = parser.parse(message, kSyslogReceived, "192.0.2.7");
  EXPECT_TRUE(event.prefix.empty());
  EXPECT_EQ(event.body, message);
  EXPECT_EQ(event.timestamp_ms, utc_ms(2026, 3, 3, 10));
  EXPECT_EQ(parser.parse("1 2026-03-03T10:00:00Z host", kSyslogReceived, "192.0.2.7").timestamp_ms, utc_ms(2026, 3, 3, 10));
}

TEST(SyslogParser, Rfc3164YearComesFromTheReceiveTime) {
  SyslogParser parser;
  const Event event = parser.parse("<13>Dec 31 23:59:59 host app: late", received_at(2027, 1, 1, 0, 0, 5), "h");
  EXPECT_TRUE(event.prefix.empty());
  EXPECT_EQ(event.timestamp_ms, utc_ms(2026, 12, 31, 23, 59, 59));
}

TEST(SyslogParser, ScratchBufferIsReusedAcrossMessages) {
  SyslogParser parser;
  const char* first = parser.parse("a", kSyslogReceived, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").prefix.data();
  for (int i = 0; i < 100; ++i) {
    const Event event = parser.parse("<191>b", kSyslogReceived + std::chrono::seconds{i}, "2001:db8::1");
    EXPECT_EQ(event.prefix.data(), first);
  }
}

TEST(SyslogParser, CorpusRfc5424IsReadNotRewritten) {
  const std::string message = read_syslog_corpus("syslog/otel-syslogtest/RFC5424");
  SyslogParser parser;
  const Event event = parser.parse(message, kSyslogReceived, "192.168.2.132");
  EXPECT_TRUE(event.prefix.empty());
  EXPECT_EQ(event.body, message);
  EXPECT_EQ(event.timestamp_ms, utc_ms(2015, 8, 5, 21, 58, 59, 693));
}

TEST(SyslogParser, CorpusRfc3164IsReadNotRewritten) {
  const std::string message = read_syslog_corpus("syslog/otel-syslogtest/RFC3164");
  SyslogParser parser;
  const Event event = parser.parse(message, received_at(2026, 2, 5), "1.2.3.4");
  EXPECT_TRUE(event.prefix.empty());
  EXPECT_EQ(event.body, message);
  EXPECT_EQ(event.timestamp_ms, utc_ms(2026, 2, 4, 11, 14, 27));
}

}  // namespace
}  // namespace kinesyslog::parse
