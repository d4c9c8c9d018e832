// The encoders' publisher with the journal: a journaled record is noted in the commit log
// before it appears and its events settle in their journal afterwards; events given up for
// good settle too, those lost at shutdown do not (the next start replays them). Records are
// group-committed: drain() waits for them, and many share one commit-log sync.
#include "relay/spool_publisher.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/ip_address.hpp"
#include "deliver/fake_destination.hpp"
#include "journal/journal_recovery.hpp"
#include "relay/journal_set.hpp"
#include "support/gzip_member.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::relay {
namespace {

using namespace std::chrono_literals;

class SpoolPublisherTest : public ::testing::Test {
 protected:
  void append_events(journal::ThreadJournal& journal, int count) {
    for (int i = 0; i < count; ++i) journal.append(key_, clock_.now(), 10, "{\"id\":\"x\"}");
    journal.flush();
  }

  testing::TemporaryDirectory spool_dir_;
  ManualClock clock_{WallTime{} + 1'800'000'000s};
  metrics::JournalCounters counters_;
  JournalCounts reporter_{counters_, clock_};
  spool::Spool spool_{spool_dir_.path(), clock_};
  testing::FakeDestination destination_;
  std::vector<deliver::Destination*> destinations_{&destination_};
  StreamLoops delivery_{spool_, destinations_, clock_, deliver::DeliveryOptions{}, {}};
  const uint64_t run_ = 77;
  JournalSet journals_{spool_dir_.path(), run_, 1, 50ms, reporter_};
  SpoolPublisher publisher_{spool_, delivery_, &journals_, clock_};
  const SourceKey key_{*IpAddress::parse("192.0.2.5"), 514, Protocol::kSyslog};
};

TEST_F(SpoolPublisherTest, AJournaledRecordIsCommittedThenItsEventsSettle) {
  journal::ThreadJournal& journal = journals_.thread_journal(0);
  append_events(journal, 3);
  const std::vector<JournalSeq> seqs{1, 2, 3};
  publisher_.publish(testing::gzip_member("three events"), key_, clock_.now(),
                     encode::JournalCoverage{journal.id(), seqs});
  publisher_.drain(SteadyTime::max());
  EXPECT_EQ(journal.settled_through(), 3u);
  EXPECT_EQ(spool_.record_count(), 1u);
  // The commit log says which record holds them: a later start would not replay them.
  journal::JournalRecovery recovery(journal_directory(spool_dir_.path()), run_ + 1);
  EXPECT_EQ(recovery.records_to_roll_forward().size(), 1u);
  recovery.for_each_unpublished([](const JournalId&, const journal::RecoveredEntry& entry) {
    ADD_FAILURE() << "replayed the published event " << entry.seq;
  });
  EXPECT_EQ(recovery.counts().entries_published, 3u);
}

TEST_F(SpoolPublisherTest, ManyJournaledRecordsFromConcurrentEncodersShareCommitLogSyncs) {
  journal::ThreadJournal& journal = journals_.thread_journal(0);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  append_events(journal, kThreads * kPerThread);
  const uint64_t syncs_before = journals_.commit_log().syncs();
  std::vector<std::thread> encoders;
  for (int t = 0; t < kThreads; ++t) {
    encoders.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::vector<JournalSeq> seqs{static_cast<JournalSeq>(t * kPerThread + i + 1)};
        publisher_.publish(testing::gzip_member("event " + std::to_string(seqs[0])), key_, clock_.now(),
                           encode::JournalCoverage{journal.id(), seqs, 1});
      }
    });
  }
  for (auto& encoder : encoders) encoder.join();
  publisher_.drain(SteadyTime::max());
  EXPECT_EQ(spool_.record_count(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(journal.settled_through(), static_cast<JournalSeq>(kThreads * kPerThread));
  // One commit-log sync per round, and a round takes whatever was handed in meanwhile.
  const uint64_t syncs = journals_.commit_log().syncs() - syncs_before;
  EXPECT_EQ(syncs, publisher_.rounds());
  EXPECT_LT(syncs, static_cast<uint64_t>(kThreads * kPerThread));
  journal::JournalRecovery recovery(journal_directory(spool_dir_.path()), run_ + 1);
  EXPECT_EQ(recovery.records_to_roll_forward().size(), static_cast<size_t>(kThreads * kPerThread));
  recovery.for_each_unpublished([](const JournalId&, const journal::RecoveredEntry& entry) {
    ADD_FAILURE() << "replayed the published event " << entry.seq;
  });
}

TEST_F(SpoolPublisherTest, EventsGivenUpForGoodSettleAndShutdownLossesDoNot) {
  journal::ThreadJournal& journal = journals_.thread_journal(0);
  append_events(journal, 3);
  const std::vector<JournalSeq> oversize{1};
  const std::vector<JournalSeq> refused{2};
  const std::vector<JournalSeq> shutdown{3};
  publisher_.give_up(encode::Loss::kOversizeEvent, encode::JournalCoverage{journal.id(), oversize});
  publisher_.give_up(encode::Loss::kSpoolFull, encode::JournalCoverage{journal.id(), refused});
  publisher_.give_up(encode::Loss::kSpoolFailed, encode::JournalCoverage{journal.id(), shutdown});
  EXPECT_EQ(journal.settled_through(), 2u);  // 3 stays for the next start
  EXPECT_EQ(spool_.record_count(), 0u);
}

TEST_F(SpoolPublisherTest, ARecordOfAnotherRunIsCommittedWithoutTouchingThisRunsJournal) {
  // Recovery publishes an earlier run's events: noted in this run's commit log all the same.
  const std::vector<JournalSeq> seqs{5, 6};
  publisher_.publish(testing::gzip_member("replayed"), key_, clock_.now(),
                     encode::JournalCoverage{JournalId{1, 0}, seqs});
  publisher_.drain(SteadyTime::max());
  EXPECT_EQ(journals_.thread_journal(0).settled_through(), 0u);
  EXPECT_EQ(spool_.record_count(), 1u);
  journal::JournalRecovery recovery(journal_directory(spool_dir_.path()), run_ + 1);
  EXPECT_EQ(recovery.records_to_roll_forward().size(), 1u);
}

TEST_F(SpoolPublisherTest, WithoutTheJournalARecordIsPublishedInOneStep) {
  SpoolPublisher plain(spool_, delivery_, nullptr, clock_);
  plain.publish(testing::gzip_member("plain"), key_, clock_.now(), encode::JournalCoverage{});
  plain.drain(SteadyTime::max());
  EXPECT_EQ(spool_.record_count(), 1u);
  // The batch's route is in the file's name, for the stream it goes to after a restart too.
  const std::vector<spool::SpoolFile> found = spool_.scan();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].source, "192.0.2.5");
  EXPECT_EQ(found[0].port, 514);
  journal::JournalRecovery recovery(journal_directory(spool_dir_.path()), run_ + 1);
  EXPECT_TRUE(recovery.records_to_roll_forward().empty());
}

TEST(SpoolPublisherInMemory, RelpWithoutTheJournalCountsAnEventDurableOnceItsRecordIsSpooled) {
  testing::TemporaryDirectory spool_dir;
  ManualClock clock{WallTime{} + 1'800'000'000s};
  metrics::JournalCounters counters;
  JournalCounts reporter{counters, clock};
  spool::Spool spool{spool_dir.path(), clock};
  testing::FakeDestination destination;
  std::vector<deliver::Destination*> destinations{&destination};
  StreamLoops delivery{spool, destinations, clock, deliver::DeliveryOptions{}, {}};
  JournalSet journals{spool_dir.path(), 9, 1, 0ms, reporter};  // --journal-sync-ms 0
  SpoolPublisher publisher{spool, delivery, &journals, clock};
  EXPECT_FALSE(journals.on_disk());

  journal::ThreadJournal& journal = journals.thread_journal(0);
  const SourceKey key{*IpAddress::parse("192.0.2.5"), 514, Protocol::kSyslog};
  for (int i = 0; i < 2; ++i) journal.append(key, clock.now(), 10, "{\"id\":\"x\"}");
  journal.flush();
  journal.want_sync();
  EXPECT_EQ(journal.durable_through(), 0u);  // written nowhere: not durable until spooled

  const std::vector<JournalSeq> seqs{1, 2};
  publisher.publish(testing::gzip_member("two events"), key, clock.now(), encode::JournalCoverage{journal.id(), seqs});
  publisher.drain(SteadyTime::max());
  EXPECT_EQ(spool.record_count(), 1u);
  EXPECT_EQ(journal.durable_through(), 2u);
  EXPECT_FALSE(std::filesystem::exists(journal_directory(spool_dir.path())));
}

// Encoders report whether writing a record works, the committer whether rounds make records
// durable: with one flag for both, each record an encoder wrote cleared what the committer had
// just reported, and /health switched back and forth while the disk failed.
std::atomic<int> syncs_to_fail{0};
void sometimes_failing_sync(int dir_fd, const std::string& what) {
  if (syncs_to_fail.fetch_sub(1) > 0) throw std::system_error(EIO, std::generic_category(), what);
  spool::sync_filesystem(dir_fd, what);
}

class SpoolStateReporter final : public encode::EncoderReporter {
 public:
  void lost(encode::Loss /*loss*/, size_t /*events*/) override {}
  void spool_failing(bool failing) override { writes_failing = failing; }
  void spool_commits_failing(bool failing) override {
    commits_failing = failing;
    if (failing) ++failed_rounds;
  }
  std::atomic<bool> writes_failing{false};
  std::atomic<bool> commits_failing{false};
  std::atomic<int> failed_rounds{0};
};

TEST(SpoolPublisherState, FailingRoundsAreReportedOnTheirOwnFlagUntilARoundWorks) {
  syncs_to_fail = 1'000'000;
  testing::TemporaryDirectory directory;
  ManualClock clock{WallTime{} + 1'800'000'000s};
  spool::Spool spool(directory.path(), clock, spool::SpoolOptions{.sync_filesystem = sometimes_failing_sync});
  testing::FakeDestination destination;
  std::vector<deliver::Destination*> destinations{&destination};
  StreamLoops delivery(spool, destinations, clock, deliver::DeliveryOptions{}, {});
  SpoolStateReporter reporter;
  SpoolPublisher publisher(spool, delivery, nullptr, clock, &reporter, spool::GroupCommitLimits{.retry_pause = 0ns});
  const SourceKey key{*IpAddress::parse("192.0.2.5"), 514, Protocol::kSyslog};
  publisher.publish(testing::gzip_member("waits for a round that works"), key, clock.now(), {});
  for (int i = 0; i < 5000 && reporter.failed_rounds < 2; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(reporter.commits_failing);
  EXPECT_FALSE(reporter.writes_failing) << "a failing round is not the encoders' write failing";
  syncs_to_fail = 0;
  publisher.drain(SteadyTime::max());
  EXPECT_FALSE(reporter.commits_failing);
  EXPECT_EQ(spool.record_count(), 1u);
}

}  // namespace
}  // namespace kinesyslog::relay
