#include "journal/commit_log.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "journal/counting_reporter.hpp"
#include "journal/journal_format.hpp"
#include "journal/journal_recovery.hpp"
#include "journal/thread_journal.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::journal {
namespace {

using std::chrono::milliseconds;
using testing::CountingReporter;

const SourceKey kSource{IpAddress::from_v4({198, 51, 100, 1}), 601, Protocol::kSyslog};

std::vector<std::string> names_ending(const std::filesystem::path& directory, std::string_view suffix) {
  std::vector<std::string> names;
  for (const auto& name : kinesyslog::testing::entry_names(directory)) {
    if (name.ends_with(suffix)) names.push_back(name);
  }
  return names;
}

TEST(CommitLog, ConcurrentCommitsShareSyncs) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  CommitLog log(spool.path(), 5, reporter);
  constexpr int kThreads = 8;
  constexpr int kCommitsEach = 40;
  std::atomic<int> returned{0};
  {
    std::vector<std::jthread> publishers;
    for (int t = 0; t < kThreads; ++t) {
      publishers.emplace_back([&, t] {
        for (int c = 0; c < kCommitsEach; ++c) {
          const JournalSeq seqs[] = {JournalSeq(c * 2 + 1), JournalSeq(c * 2 + 2)};
          log.commit(".firehose_event-" + std::to_string(t) + "-" + std::to_string(c), JournalId{5, uint32_t(t)}, seqs);
          ++returned;
        }
      });
    }
  }
  EXPECT_EQ(returned.load(), kThreads * kCommitsEach);
  EXPECT_LT(log.syncs(), uint64_t{kThreads * kCommitsEach});
  EXPECT_GE(log.syncs(), uint64_t{kCommitsEach});  // a thread's commits follow one another
  EXPECT_EQ(reporter.syncs(), log.syncs());
  std::printf("group commit: %d commits from %d threads, %llu fdatasyncs\n", kThreads * kCommitsEach, kThreads,
              static_cast<unsigned long long>(log.syncs()));

  // Every committed entry is readable by the next run.
  JournalRecovery recovery(spool.path(), 6);
  EXPECT_EQ(recovery.records_to_roll_forward().size(), size_t{kThreads * kCommitsEach});
  EXPECT_EQ(recovery.counts().commit_logs_read, 1u);
}

TEST(CommitLog, RecoveryRollsForwardRecordsAndSkipsCommittedSeqs) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  const JournalId id{11, 0};
  {
    ThreadJournal journal(id, JournalOptions{spool.path(), milliseconds(10)}, reporter);
    for (int n = 1; n <= 10; ++n) {
      journal.append(kSource, WallTime{}, 10, "{\"n\":" + std::to_string(n) + "}");
      if (n % 3 == 0) journal.flush();
    }
    journal.flush();
    CommitLog log(spool.path(), 11, reporter);
    const JournalSeq first_record[] = {4, 2, 3};  // unsorted: stored as the range 2..4
    const JournalSeq second_record[] = {9, 7};
    log.commit(".firehose_event-a", id, first_record);
    log.commit(".firehose_event-b", id, second_record);
    // A record naming another journal's seqs does not hide this one's.
    const JournalSeq other[] = {1, 5};
    log.commit(".firehose_event-c", JournalId{11, 1}, other);
  }
  JournalRecovery recovery(spool.path(), 12);
  EXPECT_EQ(recovery.records_to_roll_forward(),
            (std::vector<std::string>{".firehose_event-a", ".firehose_event-b", ".firehose_event-c"}));
  std::vector<JournalSeq> replayed;
  std::vector<std::string> json;
  recovery.for_each_unpublished([&](const JournalId& journal, const RecoveredEntry& entry) {
    EXPECT_EQ(journal, id);
    replayed.push_back(entry.seq);
    json.emplace_back(entry.json);
  });
  EXPECT_EQ(replayed, (std::vector<JournalSeq>{1, 5, 6, 8, 10}));
  EXPECT_EQ(json[1], "{\"n\":5}");
  EXPECT_EQ(recovery.counts().entries_replayed, 5u);
  EXPECT_EQ(recovery.counts().entries_published, 5u);
  EXPECT_EQ(recovery.counts().segments_read, 1u);

  // The files of the current run are not the recovery's; the old ones go.
  CommitLog current(spool.path(), 12, reporter);
  recovery.remove_recovered_files();
  EXPECT_EQ(kinesyslog::testing::entry_names(spool.path()), (std::vector<std::string>{commit_file_name(12, 1)}));
}

TEST(CommitLog, ACommitFileGoesOnceTheSegmentsItNamesAreGone) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  const JournalId id{21, 0};
  ThreadJournal journal(id, JournalOptions{spool.path(), milliseconds(10), 300}, reporter);
  CommitLog log(spool.path(), 21, reporter, 200);
  log.watch(journal);
  std::vector<JournalSeq> seqs;
  for (int n = 1; n <= 30; ++n) {
    seqs.push_back(journal.append(kSource, WallTime{}, 10, "{\"message\":\"" + std::to_string(n) + "\"}"));
    if (n % 3 == 0) journal.flush();
  }
  journal.flush();
  ASSERT_GT(names_ending(spool.path(), ".seg").size(), 2u);
  // Records of 5 events each; the commit files rotate at 200 bytes.
  for (size_t first = 0; first < 25; first += 5) {
    log.commit(".firehose_event-" + std::to_string(first), id, std::span(seqs).subspan(first, 5));
  }
  const size_t commit_files = names_ending(spool.path(), ".log").size();
  ASSERT_GT(commit_files, 1u);
  log.remove_obsolete_files();
  EXPECT_EQ(names_ending(spool.path(), ".log").size(), commit_files);  // no segment is gone yet

  journal.settle(std::span(seqs).subspan(0, 25));
  log.remove_obsolete_files();
  EXPECT_LT(names_ending(spool.path(), ".log").size(), commit_files);
  EXPECT_TRUE(reporter.failures().empty());

  // Once forgotten, the journal's files on disk answer instead.
  log.forget(id);
  journal.settle(std::span(seqs).subspan(25));
  journal.close();
  EXPECT_TRUE(names_ending(spool.path(), ".seg").empty());
  const JournalSeq none[] = {JournalSeq{0}};
  log.commit(".firehose_event-last", id, none);
  log.remove_obsolete_files();
  EXPECT_EQ(names_ending(spool.path(), ".log"),
            (std::vector<std::string>{commit_file_name(21, static_cast<uint32_t>(commit_files))}));
}

TEST(CommitLog, AnUnwritableDirectoryThrowsAndIsReported) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto not_a_directory = spool.write("journal", "x");
  CountingReporter reporter;
  EXPECT_THROW(CommitLog(not_a_directory, 1, reporter), std::system_error);
}

TEST(CommitLog, AFailedWriteThrowsIsReportedAndLeavesTheFileReadable) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  CommitLog log(spool.path(), 2, reporter);
  const JournalSeq seqs[] = {1};
  log.commit(".firehose_event-1", JournalId{2, 0}, seqs);
  {
    const testing::FileSizeLimit limit(std::filesystem::file_size(spool.path() / commit_file_name(2, 1)) + 100);
    std::string long_name;  // that lz4 cannot shrink below the limit
    for (uint32_t x = 1; long_name.size() < 4000; x = x * 1103515245u + 12345u) long_name += char('a' + (x >> 16) % 26);
    EXPECT_THROW(log.commit(long_name, JournalId{2, 0}, seqs), std::system_error);
  }
  ASSERT_EQ(reporter.failures().size(), 1u);
  EXPECT_NE(reporter.failures()[0].find("writing commit log"), std::string::npos) << reporter.failures()[0];
  log.commit(".firehose_event-3", JournalId{2, 0}, seqs);

  JournalRecovery recovery(spool.path(), 3);
  EXPECT_EQ(recovery.records_to_roll_forward(), (std::vector<std::string>{".firehose_event-1", ".firehose_event-3"}));
  EXPECT_EQ(recovery.counts().commit_logs_quarantined, 0u);
  EXPECT_EQ(recovery.counts().torn_tails_dropped, 0u);
}

// The relay's shape: an I/O thread appends and flushes in rounds, a publisher commits what is
// durable in records of 25 events and settles them; at the end nothing is left to recover.
TEST(CommitLog, PublishingWhileWritingLeavesNothingBehind) {
  kinesyslog::testing::TemporaryDirectory spool;
  CountingReporter reporter;
  const JournalId id{31, 0};
  constexpr JournalSeq kEvents = 3000;
  {
    ThreadJournal journal(id, JournalOptions{spool.path(), milliseconds(2), 4096}, reporter);
    CommitLog log(spool.path(), 31, reporter, 1024);
    log.watch(journal);
    std::jthread publisher([&] {
      std::vector<JournalSeq> record;
      for (JournalSeq next = 1; next <= kEvents;) {
        if (!testing::wait_durable(journal, std::min(next + 24, kEvents), std::chrono::seconds(10))) break;
        record.clear();
        for (int n = 0; n < 25 && next <= kEvents; ++n) record.push_back(next++);
        log.commit(".firehose_event-" + std::to_string(record.front()), id, record);
        journal.settle(record);
      }
    });
    for (JournalSeq seq = 1; seq <= kEvents; ++seq) {
      journal.append(kSource, WallTime{}, 40, "{\"message\":\"event " + std::to_string(seq) + "\"}");
      if (seq % 50 == 0) journal.flush();
    }
    journal.flush();
    journal.want_sync();
    publisher.join();
    EXPECT_EQ(journal.settled_through(), kEvents);
    journal.close();  // the last segment goes; then the commit log's files, as they refer to nothing
  }
  EXPECT_TRUE(reporter.failures().empty());
  EXPECT_EQ(reporter.segments(), 0);
  EXPECT_TRUE(names_ending(spool.path(), ".seg").empty());
  JournalRecovery recovery(spool.path(), 32);
  uint64_t replayed = 0;
  recovery.for_each_unpublished([&](const JournalId&, const RecoveredEntry&) { ++replayed; });
  EXPECT_EQ(replayed, 0u);
  EXPECT_TRUE(names_ending(spool.path(), ".log").empty());
}

}  // namespace
}  // namespace kinesyslog::journal
