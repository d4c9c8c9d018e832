#include "batch/batch_table.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "batch_test_support.hpp"
#include "core/clock.hpp"

namespace kinesyslog::batch {
namespace {

using namespace std::chrono_literals;
using testing::make_event;
using testing::make_key;

class BatchTableTest : public ::testing::Test {
 protected:
  BatchTable make_table(uint64_t flush_size, std::chrono::seconds flush_age = 60s,
                        size_t max_open_bytes = 64 * 1024 * 1024) {
    return BatchTable(BatchLimits{flush_size, flush_age, max_open_bytes},
                      [this](ClosedBatch&& batch) { closed.push_back(std::move(batch)); });
  }
  void append(BatchTable& table, const SourceKey& key, std::string_view body) {
    table.append(key, make_event(++counter, body), clock.now(), clock.steady_now());
  }

  ManualClock clock{WallTime{} + 1519247270s};
  std::vector<ClosedBatch> closed;
  unsigned long long counter = 0;
  const std::string line40 = std::string(40, 'x');
  const SourceKey a = make_key("192.0.2.1", 5514);
  const SourceKey b = make_key("192.0.2.2", 5514);
  const SourceKey c = make_key("192.0.2.3", 5514);
};

TEST_F(BatchTableTest, BatchClosesWhenRawBytesReachFlushSize) {
  BatchTable table = make_table(120);
  append(table, a, line40);
  append(table, a, line40);
  EXPECT_TRUE(closed.empty());
  append(table, a, line40);  // exactly 120
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].event_count(), 3u);
  EXPECT_EQ(closed[0].raw_bytes, 120u);
  EXPECT_EQ(table.open_batches(), 0u);
}

TEST_F(BatchTableTest, EventsAfterASizeFlushStartANewBatch) {
  BatchTable table = make_table(80);
  for (int i = 0; i < 5; ++i) append(table, a, line40);
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(table.open_batches(), 1u);
  table.close_all();
  ASSERT_EQ(closed.size(), 3u);
  EXPECT_EQ(closed[2].event_count(), 1u);
}

TEST_F(BatchTableTest, SourcesAndPortsAndProtocolsHaveSeparateBatches) {
  BatchTable table = make_table(1 << 20);
  const SourceKey other_port = make_key("192.0.2.1", 5515);
  const SourceKey gelf = make_key("192.0.2.1", 5514, Protocol::kGelf);
  // Alternating senders: the cached last key must never put an event in the wrong batch.
  for (const SourceKey& key : {a, b, a, other_port, gelf, a, b}) append(table, key, key.source.to_string());
  EXPECT_EQ(table.open_batches(), 4u);
  table.close_all();
  ASSERT_EQ(closed.size(), 4u);
  for (const ClosedBatch& batch : closed) {
    const std::string expected_message = "\"message\":\"" + batch.key.source.to_string() + "\"";
    size_t matches = 0;
    for (size_t at = batch.events_json.find(expected_message); at != std::string::npos;
         at = batch.events_json.find(expected_message, at + 1)) {
      ++matches;
    }
    EXPECT_EQ(matches, batch.event_count());
    EXPECT_EQ(batch.event_count(), batch.key == a ? 3u : batch.key == b ? 2u : 1u);
  }
}

TEST_F(BatchTableTest, BatchClosesWhenItsOldestEventReachesFlushAge) {
  BatchTable table = make_table(1 << 20, 60s);
  append(table, a, "first");
  clock.advance(30s);
  append(table, a, "second");
  clock.advance(29s);
  table.close_aged(clock.steady_now());
  EXPECT_TRUE(closed.empty());
  clock.advance(1s);
  table.close_aged(clock.steady_now());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].event_count(), 2u);
}

TEST_F(BatchTableTest, YoungerBatchesStayOpenWhenAnOlderOneAges) {
  BatchTable table = make_table(1 << 20, 60s);
  append(table, a, "old");
  clock.advance(10s);
  append(table, b, "young");
  clock.advance(50s);
  table.close_aged(clock.steady_now());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].key, a);
  EXPECT_EQ(table.open_batches(), 1u);
}

TEST_F(BatchTableTest, BatchReopenedAfterSizeFlushAgesFromItsOwnFirstEvent) {
  BatchTable table = make_table(80, 60s);
  append(table, a, line40);
  append(table, a, line40);  // closed by size
  clock.advance(10s);
  append(table, a, "reopened");
  clock.advance(50s);
  table.close_aged(clock.steady_now());
  EXPECT_EQ(closed.size(), 1u);
  clock.advance(10s);
  table.close_aged(clock.steady_now());
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed[1].event_count(), 1u);
}

TEST_F(BatchTableTest, ReceiveTimeOfOldestEventTravelsWithTheBatch) {
  BatchTable table = make_table(1 << 20);
  const WallTime first = clock.now();
  append(table, a, "one");
  clock.advance(5s);
  append(table, a, "two");
  table.close_all();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].first_received, first);
}

TEST_F(BatchTableTest, NextDeadlineIsOldestOpenBatchPlusFlushAge) {
  BatchTable table = make_table(80, 60s);
  table.close_aged(clock.steady_now() + 24h);  // nothing open: no deadline
  EXPECT_TRUE(closed.empty());
  const SteadyTime a_opened = clock.steady_now();
  append(table, a, line40);
  clock.advance(15s);
  const SteadyTime b_opened = clock.steady_now();
  append(table, b, "b");
  table.close_aged(a_opened + 60s - 1ns);  // the deadline is a's, not earlier
  EXPECT_TRUE(closed.empty());
  append(table, a, line40);  // a closes by size: b is now the oldest
  ASSERT_EQ(closed.size(), 1u);
  table.close_aged(a_opened + 60s);  // a's opening is gone with it
  table.close_aged(b_opened + 60s - 1ns);
  EXPECT_EQ(closed.size(), 1u);
  table.close_aged(b_opened + 60s);
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed[1].key, b);
  table.close_all();
  EXPECT_EQ(closed.size(), 2u);  // nothing left open
}

TEST_F(BatchTableTest, TheOldestBatchClosesExactlyAtItsDeadline) {
  BatchTable table = make_table(80, 60s);
  const SteadyTime a_opened = clock.steady_now();
  append(table, a, line40);
  clock.advance(15s);
  append(table, b, "b");
  table.close_aged(a_opened + 60s);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].key, a);
}

TEST_F(BatchTableTest, CloseAllFlushesEveryBatchAndReleasesMemory) {
  BatchTable table = make_table(1 << 20);
  append(table, a, "a");
  append(table, b, "b");
  append(table, c, "c");
  EXPECT_GT(table.open_bytes(), 0u);
  table.close_all();
  EXPECT_EQ(closed.size(), 3u);
  EXPECT_EQ(table.open_batches(), 0u);
  EXPECT_EQ(table.open_bytes(), 0u);
}

TEST_F(BatchTableTest, MemoryCapClosesTheLargestOpenBatchEarly) {
  constexpr size_t kCap = 64 * 1024;
  BatchTable table = make_table(1 << 30, 60s, kCap);
  append(table, b, "small");
  append(table, c, "small");
  const std::string kilobyte(1024, 'k');
  for (int i = 0; i < 64 && closed.empty(); ++i) append(table, a, kilobyte);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].key, a);
  EXPECT_EQ(table.open_batches(), 2u);
  EXPECT_LE(table.open_bytes(), kCap);
}

TEST_F(BatchTableTest, ManySourcesStayUnderTheMemoryCap) {
  constexpr size_t kCap = 1024 * 1024;
  BatchTable table = make_table(1 << 30, 60s, kCap);
  for (uint32_t i = 0; i < 2000; ++i) {
    const SourceKey key{IpAddress::from_v4({10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)}), 514};
    table.append(key, make_event(i, line40), clock.now(), clock.steady_now());
    ASSERT_LE(table.open_bytes(), kCap);
  }
  table.close_all();
  size_t events = 0;
  for (const ClosedBatch& batch : closed) events += batch.event_count();
  EXPECT_EQ(events, 2000u);
}

TEST_F(BatchTableTest, SourceClosedBySizeReservesItsLastBatchSizeForTheNext) {
  BatchTable table = make_table(64 * 1024, 60s);
  const std::string kilobyte(1024, 'k');
  for (int i = 0; i < 64; ++i) append(table, a, kilobyte);
  ASSERT_EQ(closed.size(), 1u);
  append(table, a, "next");
  EXPECT_GE(table.open_bytes(), closed[0].events_json.size());
  // Once the source goes quiet and its batch ages out, it starts small again.
  clock.advance(60s);
  table.close_aged(clock.steady_now());
  append(table, a, "quiet");
  EXPECT_LT(table.open_bytes(), closed[0].events_json.size());
}

// Ten busy sources that once filled --flush-size reserve their last batch size when they open
// again; under the memory cap those reservations must not evict each other message after
// message (each eviction is a tiny record and two disk syncs).
TEST_F(BatchTableTest, SizeHintsDoNotThrashUnderTheMemoryCap) {
  BatchTable table = make_table(64 * 1024, 60s, 640 * 1024);
  const std::string kilobyte(1024, 'k');
  std::vector<SourceKey> sources;
  for (int s = 0; s < 10; ++s) sources.push_back(make_key("192.0.2." + std::to_string(10 + s), 5514));
  for (const SourceKey& source : sources) {
    for (int i = 0; i < 64; ++i) append(table, source, kilobyte);
  }
  ASSERT_EQ(closed.size(), 10u);
  closed.clear();
  const std::string twenty(20, 't');
  for (int i = 0; i < 1000; ++i) append(table, sources[static_cast<size_t>(i) % sources.size()], twenty);
  EXPECT_LE(closed.size(), 10u);
  EXPECT_LE(table.open_bytes(), 640u * 1024);
}

// A batch closed by the memory cap hands on only what it holds: its unused reservation is not
// carried into the encoder queue, whose budget counts bytes.
TEST_F(BatchTableTest, BatchClosedByMemoryCapDoesNotCarryItsReservation) {
  BatchTable table = make_table(64 * 1024, 60s, 640 * 1024);
  const std::string kilobyte(1024, 'k');
  for (int i = 0; i < 64; ++i) append(table, a, kilobyte);
  ASSERT_EQ(closed.size(), 1u);
  append(table, a, "small");  // reserves about the last batch's size
  table.close_all();
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_LT(closed[1].events_json.capacity(), 4096u);
}

}  // namespace
}  // namespace kinesyslog::batch
