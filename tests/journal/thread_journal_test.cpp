#include "journal/thread_journal.hpp"

#include <chrono>
#include <filesystem>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <poll.h>

#include "journal/counting_reporter.hpp"
#include "journal/journal_recovery.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::journal {
namespace {

using std::chrono::milliseconds;
using testing::CountingReporter;
using testing::wait_durable;

const SourceKey kThreadSource{IpAddress::from_v4({192, 0, 2, 7}), 514, Protocol::kSyslog};

std::string thread_fragment(int n) {
  return R"({"id":")" + std::to_string(1000 + n) + R"(","timestamp":1700000000000,"message":"line )" +
         std::to_string(n) + R"("})";
}

std::vector<std::string> segment_names(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& name : kinesyslog::testing::entry_names(directory)) {
    if (name.ends_with(".seg")) names.push_back(name);
  }
  return names;
}

struct Recovered {
  JournalId journal;
  RecoveredEntry entry;
  std::string json;
};

std::vector<Recovered> recover(const std::filesystem::path& directory, uint64_t current_run = 999) {
  JournalRecovery recovery(directory, current_run);
  std::vector<Recovered> entries;
  recovery.for_each_unpublished([&](const JournalId& journal, const RecoveredEntry& entry) {
    entries.push_back(Recovered{journal, entry, std::string(entry.json)});
  });
  return entries;
}

bool readable(int fd) {
  pollfd wake{fd, POLLIN, 0};
  return ::poll(&wake, 1, 0) == 1;
}

TEST(ThreadJournal, WrittenEntriesBecomeDurableAndReadBackIdentically) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  const JournalId id{7, 2};
  const WallTime received = WallTime(std::chrono::milliseconds(1'700'000'000'123));
  {
    ThreadJournal journal(id, JournalOptions{spool.path(), milliseconds(20)}, reporter);
    EXPECT_EQ(journal.append(kThreadSource, received, 150, thread_fragment(1)), 1u);
    EXPECT_EQ(journal.append(kThreadSource, received, 151, thread_fragment(2)), 2u);
    EXPECT_EQ(journal.durable_through(), 0u);  // not written yet
    journal.flush();
    EXPECT_EQ(journal.append(kThreadSource, received, 152, thread_fragment(3)), 3u);
    journal.flush();
    ASSERT_TRUE(wait_durable(journal, 3));
    EXPECT_FALSE(journal.failed());
  }
  EXPECT_GE(reporter.syncs(), 1u);
  EXPECT_GT(reporter.bytes(), 0u);
  EXPECT_EQ(reporter.segments(), 1);  // unsettled at close: kept for recovery
  EXPECT_TRUE(reporter.failures().empty());

  const auto entries = recover(spool.path());
  ASSERT_EQ(entries.size(), 3u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].journal, id);
    EXPECT_EQ(entries[i].entry.seq, i + 1);
    EXPECT_EQ(entries[i].entry.key, kThreadSource);
    EXPECT_EQ(entries[i].entry.received, received);
    EXPECT_EQ(entries[i].entry.raw_bytes, 150 + i);
    EXPECT_EQ(entries[i].json, thread_fragment(static_cast<int>(i) + 1));
  }
}

// The journal holds every sender's messages: only the relay's user may read it.
TEST(ThreadJournal, TheDirectoryAndItsSegmentsArePrivate) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  const std::filesystem::path directory = spool.path() / "journal";
  ThreadJournal journal(JournalId{7, 0}, JournalOptions{directory, milliseconds(20)}, reporter);
  journal.append(kThreadSource, WallTime{}, 10, thread_fragment(1));
  journal.flush();
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(directory).permissions() & fs::perms::all, fs::perms::owner_all);
  const auto segments = segment_names(directory);
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(fs::status(directory / segments[0]).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

// Thousands of partial messages cut in one round must not grow the journal's buffers with them.
TEST(ThreadJournal, AFloodInOneRoundIsWrittenInPiecesOfBoundedSize) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  ThreadJournal journal(JournalId{7, 0}, JournalOptions{spool.path(), milliseconds(20)}, reporter);
  const std::string big = R"({"id":"1","timestamp":0,"message":")" + std::string(60'000, 'x') + R"("})";
  const int count = 3 * static_cast<int>(ThreadJournal::kMaxBlockEntryBytes / big.size());
  for (int i = 0; i < count; ++i) journal.append(kThreadSource, WallTime{}, big.size(), big);
  EXPECT_GT(reporter.bytes(), 0u) << "nothing written before the round's end";
  journal.flush();
  ASSERT_TRUE(wait_durable(journal, static_cast<JournalSeq>(count)));
  const auto entries = recover(spool.path());
  ASSERT_EQ(entries.size(), static_cast<size_t>(count));
  EXPECT_EQ(entries.back().json, big);
}

TEST(ThreadJournal, WantSyncSyncsWithoutWaitingForTheInterval) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  ThreadJournal journal(JournalId{1, 0}, JournalOptions{spool.path(), std::chrono::hours(1)}, reporter);
  journal.append(kThreadSource, WallTime{}, 10, thread_fragment(1));
  journal.want_sync();  // before the flush: the request waits for it
  journal.flush();
  ASSERT_TRUE(wait_durable(journal, 1, milliseconds(2000)));
  journal.append(kThreadSource, WallTime{}, 10, thread_fragment(2));
  journal.flush();
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(journal.durable_through(), 1u);  // nobody asked; the interval is an hour
  journal.want_sync();
  ASSERT_TRUE(wait_durable(journal, 2, milliseconds(2000)));
}

TEST(ThreadJournal, SegmentsRotateBySizeAndRecoverInOrder) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  JournalOptions options{spool.path(), milliseconds(10), 400};
  {
    ThreadJournal journal(JournalId{3, 1}, options, reporter);
    for (int n = 1; n <= 40; ++n) {
      journal.append(kThreadSource, WallTime{}, 100, thread_fragment(n));
      if (n % 4 == 0) journal.flush();
    }
  }
  const auto names = segment_names(spool.path());
  EXPECT_GT(names.size(), 3u);
  EXPECT_EQ(reporter.segments(), static_cast<int64_t>(names.size()));
  for (const auto& name : names) EXPECT_LE(std::filesystem::file_size(spool.path() / name), 400u) << name;
  const auto entries = recover(spool.path());
  ASSERT_EQ(entries.size(), 40u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].entry.seq, i + 1);
    EXPECT_EQ(entries[i].json, thread_fragment(static_cast<int>(i) + 1));
  }
}

TEST(ThreadJournal, SettledSegmentsAreDeleted) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  ThreadJournal journal(JournalId{3, 1}, JournalOptions{spool.path(), milliseconds(10), 400}, reporter);
  for (int n = 1; n <= 40; ++n) {
    journal.append(kThreadSource, WallTime{}, 100, thread_fragment(n));
    if (n % 4 == 0) journal.flush();
  }
  const size_t segments_before = segment_names(spool.path()).size();
  ASSERT_GT(segments_before, 3u);
  EXPECT_EQ(journal.oldest_live_seq(), 1u);

  // Out of order and in pieces; seq 1 still missing, so nothing can go.
  std::vector<JournalSeq> all(40);
  std::iota(all.begin(), all.end(), JournalSeq{1});
  journal.settle(std::span(all).subspan(20, 20));
  journal.settle(std::span(all).subspan(1, 19));
  EXPECT_EQ(journal.settled_through(), 0u);
  EXPECT_EQ(segment_names(spool.path()).size(), segments_before);
  journal.settle(std::span(all).subspan(0, 1));
  EXPECT_EQ(journal.settled_through(), 40u);
  EXPECT_EQ(journal.durable_through(), 40u);
  // Everything settled: only the segment taking writes is left.
  EXPECT_EQ(segment_names(spool.path()).size(), 1u);
  EXPECT_EQ(reporter.segments(), 1);
  EXPECT_GT(journal.oldest_live_seq(), 1u);
  journal.close();
  EXPECT_TRUE(segment_names(spool.path()).empty());
  EXPECT_EQ(reporter.segments(), 0);
}

TEST(ThreadJournal, MemoryOnlyKeepsSeqsAndSettlementWithoutFiles) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  ThreadJournal journal(JournalId{1, 1}, JournalOptions{}, reporter);
  EXPECT_EQ(journal.append(kThreadSource, WallTime{}, 5, "{}"), 1u);
  EXPECT_EQ(journal.append(kThreadSource, WallTime{}, 5, "{}"), 2u);
  journal.flush();
  journal.want_sync();
  EXPECT_EQ(journal.durable_through(), 0u);
  EXPECT_FALSE(readable(journal.wake_fd()));
  const JournalSeq first[] = {1};
  journal.settle(first);
  EXPECT_EQ(journal.durable_through(), 1u);
  EXPECT_EQ(journal.settled_through(), 1u);
  EXPECT_TRUE(readable(journal.wake_fd()));
  EXPECT_EQ(reporter.bytes(), 0u);
  EXPECT_TRUE(reporter.failures().empty());
  EXPECT_TRUE(kinesyslog::testing::entry_names(spool.path()).empty());
}

TEST(ThreadJournal, AnUnusableDirectoryIsReportedAndDurabilityFollowsSettlement) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto not_a_directory = spool.write("journal", "a file where the directory should be");
  CountingReporter reporter;
  ThreadJournal journal(JournalId{1, 1}, JournalOptions{not_a_directory}, reporter);
  EXPECT_TRUE(journal.failed());
  ASSERT_EQ(reporter.failures().size(), 1u);
  EXPECT_NE(reporter.failures()[0].find("journal"), std::string::npos) << reporter.failures()[0];
  EXPECT_EQ(journal.append(kThreadSource, WallTime{}, 5, "{}"), 1u);
  journal.flush();
  journal.want_sync();
  const JournalSeq first[] = {1};
  journal.settle(first);
  EXPECT_EQ(journal.durable_through(), 1u);
}

TEST(ThreadJournal, AFailedRotationStopsWritingAndIsReported) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto directory = spool.path() / "journal";
  CountingReporter reporter;
  ThreadJournal journal(JournalId{1, 1}, JournalOptions{directory, milliseconds(10), 200}, reporter);
  journal.append(kThreadSource, WallTime{}, 5, thread_fragment(1));
  journal.flush();
  ASSERT_TRUE(wait_durable(journal, 1));
  std::filesystem::remove_all(directory);  // the next segment cannot be created
  for (int n = 2; n <= 20; ++n) {
    journal.append(kThreadSource, WallTime{}, 5, thread_fragment(n));
    journal.flush();
  }
  EXPECT_TRUE(journal.failed());
  ASSERT_FALSE(reporter.failures().empty());
  EXPECT_NE(reporter.failures()[0].find("creating journal segment"), std::string::npos) << reporter.failures()[0];
  journal.want_sync();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_LT(journal.durable_through(), 20u);
  std::vector<JournalSeq> all(20);
  std::iota(all.begin(), all.end(), JournalSeq{1});
  journal.settle(all);
  EXPECT_EQ(journal.durable_through(), 20u);
  journal.close();
}

TEST(ThreadJournal, AFailedWriteStopsWritingAndDurabilityFollowsSettlement) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  ThreadJournal journal(JournalId{1, 4}, JournalOptions{spool.path(), milliseconds(10)}, reporter);
  journal.append(kThreadSource, WallTime{}, 5, thread_fragment(1));
  journal.flush();
  ASSERT_TRUE(wait_durable(journal, 1));
  {
    const testing::FileSizeLimit limit(std::filesystem::file_size(spool.path() / segment_names(spool.path())[0]));
    journal.append(kThreadSource, WallTime{}, 5, thread_fragment(2));
    journal.flush();  // EFBIG, as a full disk would say ENOSPC
  }
  EXPECT_TRUE(journal.failed());
  ASSERT_EQ(reporter.failures().size(), 1u);
  EXPECT_NE(reporter.failures()[0].find("writing journal segment"), std::string::npos) << reporter.failures()[0];
  journal.append(kThreadSource, WallTime{}, 5, thread_fragment(3));
  journal.flush();
  journal.want_sync();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(journal.durable_through(), 1u);
  const JournalSeq later[] = {2, 3};
  journal.settle(later);
  EXPECT_EQ(journal.durable_through(), 1u);  // seq 1 is not settled: the watermark waits
  const JournalSeq first[] = {1};
  journal.settle(first);
  EXPECT_EQ(journal.durable_through(), 3u);
  EXPECT_EQ(reporter.failures().size(), 1u);  // reported once
}

}  // namespace
}  // namespace kinesyslog::journal
