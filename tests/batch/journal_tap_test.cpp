#include "batch/journal_tap.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "batch/batch_table.hpp"
#include "batch_test_support.hpp"
#include "core/clock.hpp"

namespace kinesyslog::batch {
namespace {

using namespace std::chrono_literals;
using testing::event_json;
using testing::make_event;
using testing::make_key;

// What a journal is told: one entry per event, numbered from 1 like a journal's positions.
struct RecordingTap final : JournalTap {
  struct Entry {
    SourceKey key;
    WallTime received;
    uint64_t raw_bytes;
    std::string fragment;
  };
  JournalSeq appended(const SourceKey& key, WallTime received, uint64_t raw_bytes,
                      std::string_view json_fragment) override {
    entries.push_back(Entry{key, received, raw_bytes, std::string(json_fragment)});
    return first_seq + entries.size() - 1;
  }
  std::vector<Entry> entries;
  JournalSeq first_seq = 1;
};

class JournalTapTest : public ::testing::Test {
 protected:
  BatchTable make_table(uint64_t flush_size, JournalTap* tap) {
    return BatchTable(
        BatchLimits{flush_size, 60s, 64 * 1024 * 1024},
        [this](ClosedBatch&& batch) {
          entries_when_closed.push_back(tap_.entries.size());
          closed.push_back(std::move(batch));
        },
        journal, tap);
  }

  ManualClock clock{WallTime{} + 1519247270s};
  RecordingTap tap_;
  std::vector<ClosedBatch> closed;
  std::vector<size_t> entries_when_closed;
  const JournalId journal{1700000000000000000ull, 3};
  const SourceKey a = make_key("192.0.2.1", 5514);
  const SourceKey b = make_key("192.0.2.2", 5514);
};

TEST_F(JournalTapTest, WithoutATapBatchesCarryNoPositions) {
  BatchTable table(BatchLimits{1 << 20, 60s, 64 * 1024 * 1024},
                   [this](ClosedBatch&& batch) { closed.push_back(std::move(batch)); });
  table.append(a, make_event(1, "one"), clock.now(), clock.steady_now());
  table.append(a, make_event(2, "two"), clock.now(), clock.steady_now());
  table.close_all();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].event_count(), 2u);
  EXPECT_TRUE(closed[0].journal_seqs.empty());
  EXPECT_EQ(closed[0].journal, JournalId{});
}

TEST_F(JournalTapTest, TheTapSeesEachEventsFragmentAndItsPositionTravelsWithTheBatch) {
  BatchTable table = make_table(1 << 20, &tap_);
  const Event first = make_event(1, "first message", "<13>");
  const Event second = make_event(2, "second");
  const Event third = make_event(3, "third");
  table.append(a, first, clock.now(), clock.steady_now());
  clock.advance(1s);
  table.append(b, second, clock.now(), clock.steady_now());
  table.append(a, third, clock.now(), clock.steady_now());

  ASSERT_EQ(tap_.entries.size(), 3u);
  EXPECT_EQ(tap_.entries[0].fragment, event_json(first));
  EXPECT_EQ(tap_.entries[0].raw_bytes, first.message_size());
  EXPECT_EQ(tap_.entries[0].key, a);
  EXPECT_EQ(tap_.entries[1].fragment, event_json(second));
  EXPECT_EQ(tap_.entries[1].key, b);
  EXPECT_EQ(tap_.entries[1].received, clock.now());

  table.close_all();
  ASSERT_EQ(closed.size(), 2u);
  for (const ClosedBatch& batch : closed) {
    EXPECT_EQ(batch.journal, journal);
    ASSERT_EQ(batch.journal_seqs.size(), batch.event_count());
    if (batch.key == a) {
      EXPECT_EQ(batch.journal_seqs, (std::vector<JournalSeq>{1, 3}));
    } else {
      EXPECT_EQ(batch.journal_seqs, (std::vector<JournalSeq>{2}));
    }
  }
}

TEST_F(JournalTapTest, AnEventIsJournaledBeforeTheSizeCloseItCauses) {
  BatchTable table = make_table(80, &tap_);
  const std::string line40(40, 'x');
  table.append(a, make_event(1, line40), clock.now(), clock.steady_now());
  table.append(a, make_event(2, line40), clock.now(), clock.steady_now());  // reaches 80: closes
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(entries_when_closed[0], 2u);  // the closing event was in the journal already
  EXPECT_EQ(closed[0].journal_seqs, (std::vector<JournalSeq>{1, 2}));
}

TEST_F(JournalTapTest, ReplayedFragmentsRebuildTheSameBatches) {
  BatchTable original = make_table(1 << 20, &tap_);
  const WallTime start = clock.now();
  for (unsigned long long i = 1; i <= 6; ++i) {
    original.append(i % 2 == 0 ? a : b, make_event(i, "message " + std::to_string(i)), clock.now(), clock.steady_now());
    clock.advance(10ms);
  }
  original.close_all();
  std::vector<ClosedBatch> before = std::move(closed);
  closed.clear();

  // What recovery does: the journal's entries, in order, into a table without a tap.
  BatchTable replayed = make_table(1 << 20, nullptr);
  JournalSeq seq = 0;
  for (const RecordingTap::Entry& entry : tap_.entries) {
    replayed.append_encoded(entry.key, entry.fragment, entry.raw_bytes, entry.received, clock.steady_now(), ++seq);
  }
  replayed.close_all();
  ASSERT_EQ(closed.size(), before.size());
  for (const ClosedBatch& again : closed) {
    const ClosedBatch& was = again.key == before[0].key ? before[0] : before[1];
    EXPECT_EQ(again.events_json, was.events_json);
    EXPECT_EQ(again.event_ends, was.event_ends);
    EXPECT_EQ(again.raw_bytes, was.raw_bytes);
    EXPECT_EQ(again.first_received, was.first_received);
    EXPECT_EQ(again.journal_seqs, was.journal_seqs);
    EXPECT_EQ(again.journal, journal);
  }
  EXPECT_GE(std::min(closed[0].first_received, closed[1].first_received), start);
}

TEST_F(JournalTapTest, ReplayedFragmentsCloseBySizeLikeLiveEvents) {
  BatchTable replayed = make_table(100, nullptr);
  const std::string fragment = event_json(make_event(1, std::string(60, 'y')));
  replayed.append_encoded(a, fragment, 60, clock.now(), clock.steady_now(), 7);
  EXPECT_TRUE(closed.empty());
  replayed.append_encoded(a, fragment, 60, clock.now(), clock.steady_now(), 8);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].events_json, fragment + "," + fragment);
  EXPECT_EQ(closed[0].journal_seqs, (std::vector<JournalSeq>{7, 8}));
  EXPECT_EQ(closed[0].raw_bytes, 120u);
}

}  // namespace
}  // namespace kinesyslog::batch
