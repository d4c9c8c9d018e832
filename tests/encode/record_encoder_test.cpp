#include "encode/record_encoder.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>

#include "batch/batch_test_support.hpp"
#include "batch/open_batch.hpp"

namespace kinesyslog::encode {
namespace {

using batch::OpenBatch;
using batch::testing::make_event;
using batch::testing::make_key;

std::string gunzip_one_member(std::string_view compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 16 + MAX_WBITS), Z_OK);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[65536];
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - stream.avail_out);
  }
  EXPECT_EQ(status, Z_STREAM_END);
  EXPECT_EQ(stream.avail_in, 0u) << "one gzip member per record";
  inflateEnd(&stream);
  return out;
}

ClosedBatch batch_of(const SourceKey& key, const std::vector<std::string>& messages) {
  OpenBatch batch(key);
  unsigned long long counter = 0;
  for (const std::string& message : messages) batch.append(make_event(++counter, message), WallTime{}, SteadyTime{});
  return batch.close();
}

// Printable characters drawn uniformly from 64 symbols: ~6 bits each, so gzip barely shrinks them.
std::vector<std::string> random_messages(std::mt19937& random, size_t count, size_t min_size, size_t max_size) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-";
  std::uniform_int_distribution<size_t> size(min_size, max_size);
  std::uniform_int_distribution<size_t> symbol(0, kAlphabet.size() - 1);
  std::vector<std::string> messages(count);
  for (std::string& message : messages) {
    message.resize(size(random));
    for (char& c : message) c = kAlphabet[symbol(random)];
  }
  return messages;
}

constexpr std::string_view kSyslogEnvelope =
    R"({"owner":"000000000000","logGroup":"/kinesyslog/syslog/5514","logStream":"127.0.0.1",)"
    R"("subscriptionFilters":["/kinesyslog/syslog/5514"],"messageType":"DATA_MESSAGE","logEvents":[)";

// The events of each record, joined: equals the batch's events_json when nothing was dropped.
std::string events_of(const EncodedRecords& encoded, std::string_view envelope) {
  std::string events;
  for (std::string_view record : encoded.records) {
    const std::string json = gunzip_one_member(record);
    EXPECT_EQ(json.substr(0, envelope.size()), envelope);
    EXPECT_EQ(json.substr(json.size() - 2), "]}");
    if (!events.empty()) events += ',';
    events += json.substr(envelope.size(), json.size() - envelope.size() - 2);
  }
  return events;
}

TEST(RecordEncoder, RecordIsGzipOfTheExactEnvelopeJson) {
  RecordEncoder encoder(6, RecordHeaderFields{});
  const ClosedBatch batch = batch_of(make_key("127.0.0.1", 5514), {"<13>hello", "a/b \"c\""});
  const EncodedRecords& encoded = encoder.encode(batch);
  ASSERT_EQ(encoded.records.size(), 1u);
  const std::string id1 = "12345678901234567890000000000000000000000000000000000001";
  const std::string id2 = "12345678901234567890000000000000000000000000000000000002";
  EXPECT_EQ(gunzip_one_member(encoded.records[0]), std::string(kSyslogEnvelope) + R"({"id":")" + id1 +
                                            R"(","timestamp":1519247270239,"message":"<13>hello"},)" + R"({"id":")" +
                                            id2 + R"(","timestamp":1519247270239,"message":"a/b \"c\""}]})");
  EXPECT_EQ(encoded.record_events, std::vector<size_t>{2});
  EXPECT_EQ(encoded.dropped_events, 0u);
}

TEST(RecordEncoder, RecordJsonParsesWithTheEventsInside) {
  RecordEncoder encoder(6, RecordHeaderFields{});
  const ClosedBatch batch = batch_of(make_key("127.0.0.1", 5514), {"x\xff\ty",
                                                                   "\xef\xbb\xbf"
                                                                   "bom"});
  simdjson::dom::parser parser;
  simdjson::dom::element record;
  ASSERT_EQ(parser.parse(gunzip_one_member(encoder.encode(batch).records.at(0))).get(record), simdjson::SUCCESS);
  std::string_view message;
  ASSERT_EQ(record["logEvents"].at(0)["message"].get(message), simdjson::SUCCESS);
  EXPECT_EQ(message, "x\\xff\ty");
  ASSERT_EQ(record["logEvents"].at(1)["message"].get(message), simdjson::SUCCESS);
  EXPECT_EQ(message,
            "\xef\xbb\xbf"
            "bom");
}

TEST(RecordEncoder, GelfGroupAndIpv6StreamComeFromTheSourceKey) {
  RecordEncoder encoder(6, RecordHeaderFields{"123456789012", "/my/logs"});
  const ClosedBatch batch = batch_of(make_key("2001:db8::1", 12201, Protocol::kGelf), {"{}"});
  const std::string json = gunzip_one_member(encoder.encode(batch).records.at(0));
  EXPECT_EQ(json.substr(0, json.find("\"logEvents\"")),
            R"({"owner":"123456789012","logGroup":"/my/logs/gelf/12201","logStream":"2001:db8::1",)"
            R"("subscriptionFilters":["/my/logs/gelf/12201"],"messageType":"DATA_MESSAGE",)");
}

TEST(RecordEncoder, HeaderFieldsAreJsonEscaped) {
  RecordEncoder encoder(6, RecordHeaderFields{"000000000000", "/odd\"prefix\\"});
  const std::string json = gunzip_one_member(encoder.encode(batch_of(make_key("127.0.0.1", 514), {"m"})).records.at(0));
  EXPECT_NE(json.find(R"("logGroup":"/odd\"prefix\\/syslog/514")"), std::string::npos) << json;
}

TEST(RecordEncoder, EmptyBatchGivesNoRecords) {
  RecordEncoder encoder(6, RecordHeaderFields{});
  ClosedBatch empty;
  const EncodedRecords& encoded = encoder.encode(empty);
  EXPECT_TRUE(encoded.records.empty());
  EXPECT_EQ(encoded.dropped_events, 0u);
}

TEST(RecordEncoder, RejectsCompressionLevelsOutsideOneToTwelve) {
  EXPECT_THROW(RecordEncoder(0, RecordHeaderFields{}), std::invalid_argument);
  EXPECT_THROW(RecordEncoder(13, RecordHeaderFields{}), std::invalid_argument);
}

TEST(RecordEncoder, EveryLevelFromOneToTwelveRoundTrips) {
  const ClosedBatch batch =
      batch_of(make_key("127.0.0.1", 5514), {"<13>Feb 21 21:07:50 host app[42]: started", "again"});
  for (int level = 1; level <= 12; ++level) {
    RecordEncoder encoder(level, RecordHeaderFields{});
    EXPECT_EQ(events_of(encoder.encode(batch), kSyslogEnvelope), batch.events_json) << level;
  }
}

TEST(RecordEncoder, PreviousResultIsReplacedByTheNextEncode) {
  RecordEncoder encoder(6, RecordHeaderFields{});
  const ClosedBatch first = batch_of(make_key("127.0.0.1", 5514), {"first"});
  const ClosedBatch second = batch_of(make_key("127.0.0.1", 5514), {"second", "third"});
  (void)encoder.encode(first);
  const EncodedRecords& encoded = encoder.encode(second);
  ASSERT_EQ(encoded.records.size(), 1u);
  EXPECT_EQ(events_of(encoded, kSyslogEnvelope), second.events_json);
}

TEST(RecordEncoder, IncompressibleBatchSplitsIntoFewRecordsUnderTheFirehoseLimit) {
  std::mt19937 random(1);
  const ClosedBatch batch = batch_of(make_key("127.0.0.1", 5514), random_messages(random, 200, 100, 36000));
  ASSERT_GT(batch.events_json.size(), 3 * kFirehoseMaxRecordBytes);
  RecordEncoder encoder(6, RecordHeaderFields{});
  const EncodedRecords& encoded = encoder.encode(batch);
  size_t compressed_total = 0;
  for (std::string_view record : encoded.records) {
    EXPECT_LE(record.size(), kFirehoseMaxRecordBytes);
    compressed_total += record.size();
  }
  for (size_t events : encoded.record_events) EXPECT_GT(events, 0u);
  EXPECT_EQ(encoded.dropped_events, 0u);
  EXPECT_GT(encoded.records.size(), 1u);
  // Few, full records: at most one more than the compressed bytes strictly need.
  EXPECT_LE(encoded.records.size(), compressed_total / kFirehoseMaxRecordBytes + 2);
  EXPECT_EQ(events_of(encoded, kSyslogEnvelope), batch.events_json);  // every event once, in order
}

TEST(RecordEncoder, EventThatCannotFitAnyRecordIsDroppedAndCounted) {
  std::mt19937 random(2);
  std::vector<std::string> messages = random_messages(random, 3, 1000, 1000);
  messages[1] = random_messages(random, 1, 1500000, 1500000)[0];  // ~1.1 MB even compressed
  const ClosedBatch batch = batch_of(make_key("127.0.0.1", 5514), messages);
  RecordEncoder encoder(6, RecordHeaderFields{});
  const EncodedRecords& encoded = encoder.encode(batch);
  EXPECT_EQ(encoded.dropped_events, 1u);
  for (std::string_view record : encoded.records) EXPECT_LE(record.size(), kFirehoseMaxRecordBytes);
  const std::string kept =
      batch.events_json.substr(0, batch.event_ends[0]) + "," + batch.events_json.substr(batch.event_ends[1] + 1);
  EXPECT_EQ(events_of(encoded, kSyslogEnvelope), kept);
}

TEST(RecordEncoder, SplitKeepsEveryEventThatFitsAloneInOrderForRandomBatches) {
  // A small limit makes many splits and many drops cheap to check against the rule:
  // an event is dropped exactly when a record holding only it would exceed the limit.
  constexpr size_t kLimit = 2000;
  RecordEncoder encoder(6, RecordHeaderFields{}, kLimit);
  RecordEncoder single_encoder(6, RecordHeaderFields{}, kLimit);
  std::mt19937 random(3);
  for (int round = 0; round < 30; ++round) {
    const auto messages = random_messages(random, 1 + random() % 60, 1, 3000);
    const ClosedBatch batch = batch_of(make_key("127.0.0.1", 5514), messages);
    std::string kept;
    size_t dropped = 0;
    std::vector<size_t> dropped_indices;
    for (size_t i = 0; i < batch.event_count(); ++i) {
      const size_t begin = i == 0 ? 0 : batch.event_ends[i - 1] + 1;
      const std::string event = batch.events_json.substr(begin, batch.event_ends[i] - begin);
      ClosedBatch single{batch.key, event, {static_cast<uint32_t>(event.size())}, 1, {}, {}, {}};
      if (single_encoder.encode(single).records.empty()) {
        ++dropped;
        dropped_indices.push_back(i);
      } else {
        kept += (kept.empty() ? "" : ",") + event;
      }
    }
    const EncodedRecords& encoded = encoder.encode(batch);
    for (std::string_view record : encoded.records) ASSERT_LE(record.size(), kLimit);
    for (size_t events : encoded.record_events) ASSERT_GT(events, 0u);
    ASSERT_EQ(encoded.dropped_events, dropped) << round;
    ASSERT_EQ(encoded.dropped_event_indices, dropped_indices) << round;
    ASSERT_EQ(events_of(encoded, kSyslogEnvelope), kept) << round;
    // Each record says which events it holds: exactly the ones inside it.
    ASSERT_EQ(encoded.record_first_events.size(), encoded.records.size());
    for (size_t r = 0; r < encoded.records.size(); ++r) {
      const size_t first = encoded.record_first_events[r];
      const size_t last = first + encoded.record_events[r];
      const size_t begin = first == 0 ? 0 : batch.event_ends[first - 1] + 1;
      const std::string json = gunzip_one_member(encoded.records[r]);
      ASSERT_EQ(json.substr(kSyslogEnvelope.size(), json.size() - kSyslogEnvelope.size() - 2),
                batch.events_json.substr(begin, batch.event_ends[last - 1] - begin))
          << round << " record " << r;
    }
    // Records and dropped events together cover every event once, in order.
    std::vector<size_t> covered;
    for (size_t r = 0; r < encoded.records.size(); ++r) {
      for (size_t i = 0; i < encoded.record_events[r]; ++i) covered.push_back(encoded.record_first_events[r] + i);
    }
    covered.insert(covered.end(), dropped_indices.begin(), dropped_indices.end());
    std::sort(covered.begin(), covered.end());
    ASSERT_EQ(covered.size(), batch.event_count()) << round;
    for (size_t i = 0; i < covered.size(); ++i) ASSERT_EQ(covered[i], i) << round;
  }
}

}  // namespace
}  // namespace kinesyslog::encode
