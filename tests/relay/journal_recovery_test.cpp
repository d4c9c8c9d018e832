// The relay with its journal: what an earlier run journaled and never published is replayed at
// start (with its original JSON), a record the earlier run had noted in its commit log but not
// renamed is rolled forward, nothing published is replayed, and the old files go.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/gzip_member_reader.hpp"
#include "core/ip_address.hpp"
#include "deliver/fake_destination.hpp"
#include "journal/commit_log.hpp"
#include "journal/journal_reporter.hpp"
#include "journal/thread_journal.hpp"
#include "relay/journal_set.hpp"
#include "relay/relay.hpp"
#include "relay/thread_ingest.hpp"
#include "spool/spool.hpp"
#include "support/gzip_member.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::relay {
namespace {

using namespace std::chrono_literals;

struct QuietReporter final : journal::JournalReporter {
  void bytes_written(uint64_t) override {}
  void synced(std::chrono::nanoseconds) override {}
  void segments_changed(int64_t) override {}
  void failed(std::string_view what) override { ADD_FAILURE() << what; }
};

std::string fragment(int n) {
  return "{\"id\":\"" + std::string(55, '0') + std::to_string(n % 10) +
         "\",\"timestamp\":1772355907123,\"message\":\"" + "earlier run " + std::to_string(n) + "\"}";
}

std::string gunzip_all(const std::string& record) {
  GzipMemberReader reader(record);
  std::string json;
  std::string all;
  while (reader.next(json) == GzipMemberReader::Status::kMember) all += json;
  return all;
}

class RelayJournalRecovery : public ::testing::Test {
 protected:
  RelayConfig config() {
    RelayConfig relay_config;
    relay_config.address = *BindAddress::parse("127.0.0.1");
    relay_config.io_threads = 1;
    relay_config.encoder_threads = 1;
    relay_config.spool_dir = spool_dir.path();
    relay_config.delivery_interval = 100ms;
    return relay_config;
  }

  testing::TemporaryDirectory spool_dir;
  testing::FakeDestination destination;
  const SourceKey key{*IpAddress::parse("192.0.2.9"), 5514, Protocol::kSyslog};
  const std::filesystem::path journal_dir = spool_dir.path() / "journal";
};

TEST_F(RelayJournalRecovery, UnpublishedEventsAreReplayedAndACommittedTemporaryIsRolledForward) {
  const uint64_t earlier_run = 1'700'000'000'000'000'000ull;
  const JournalId earlier{earlier_run, 0};
  std::string temporary;
  {
    // The earlier run: five events journaled; a record holding the first two was prepared and
    // noted in the commit log, then the process died before the rename.
    QuietReporter reporter;
    journal::JournalOptions options;
    options.directory = journal_dir;
    journal::CommitLog commit_log(journal_dir, earlier_run, reporter);
    journal::ThreadJournal journal(earlier, options, reporter);
    for (int n = 1; n <= 5; ++n) {
      journal.append(key, WallTime{} + std::chrono::seconds(n), 20, fragment(n));
    }
    journal.flush();
    ManualClock clock{WallTime{} + 1000s};
    spool::Spool spool(spool_dir.path(), clock);
    spool::PreparedRecord prepared = spool.prepare(testing::gzip_member("the record of events 1 and 2"));
    temporary = prepared.temporary_name();
    const std::vector<JournalSeq> first_two{1, 2};
    commit_log.commit(temporary, earlier, first_two);
    journal.close();
  }
  ASSERT_TRUE(std::filesystem::exists(spool_dir.path() / temporary));

  Relay relay(config(), destination, SystemClock::instance());
  relay.start();  // replays before it returns
  relay.stop(std::chrono::steady_clock::now() + 5s);

  const std::map<std::string, int> accepted = destination.accepted();
  ASSERT_EQ(accepted.size(), 2u);
  const std::string rolled_forward = testing::gzip_member("the record of events 1 and 2");
  EXPECT_EQ(accepted.count(rolled_forward), 1u) << "the noted record was not rolled forward";
  std::string replayed;
  for (const auto& [record, times] : accepted) {
    EXPECT_EQ(times, 1);
    if (record != rolled_forward) replayed = gunzip_all(record);
  }
  EXPECT_NE(replayed.find("\"logEvents\":[" + fragment(3) + "," + fragment(4) + "," + fragment(5) + "]"),
            std::string::npos)
      << replayed;
  EXPECT_EQ(replayed.find("earlier run 1\""), std::string::npos) << "a published event was replayed";
  EXPECT_EQ(relay.readings().counters->journal.recovered_events.load(), 3u);
  // The earlier run's files are gone; nothing of it replays again.
  for (const auto& entry : std::filesystem::directory_iterator(journal_dir)) {
    EXPECT_EQ(entry.path().filename().string().find("17979cfe362a0000"), std::string::npos) << entry.path();
  }
}

TEST_F(RelayJournalRecovery, WithTheJournalOffNothingIsReadOrCreated) {
  RelayConfig relay_config = config();
  relay_config.journal_sync = 0ms;
  Relay relay(std::move(relay_config), destination, SystemClock::instance());
  relay.start();
  relay.stop(std::chrono::steady_clock::now() + 5s);
  EXPECT_FALSE(std::filesystem::exists(journal_dir));
}

// The I/O thread's sink with a journal: each event is journaled, its position is the sink's,
// closed batches carry the positions, and the round end writes the block.
TEST(ThreadIngestJournal, EventsAreJournaledAndBatchesCarryTheirPositions) {
  QuietReporter reporter;
  journal::ThreadJournal journal(JournalId{42, 0}, journal::JournalOptions{}, reporter);  // memory only
  std::vector<ClosedBatch> closed;
  metrics::RelayCounters counters;
  ManualClock clock{WallTime{} + 1000s};
  ThreadIngest ingest(
      batch::BatchLimits{}, [&closed](ClosedBatch&& batch) { closed.push_back(std::move(batch)); },
      parse::EventIdGenerator::counting(parse::EventIdSequence::of_process()), clock, 10, 65536, counters, &journal);
  const SourceKey key{*IpAddress::parse("192.0.2.1"), 514, Protocol::kSyslog};
  EXPECT_EQ(ingest.position(), 0u);
  ingest.on_message(key, "192.0.2.1", "<13>first", clock.now());
  ingest.on_message(key, "192.0.2.1", "<13>second", clock.now());
  EXPECT_EQ(ingest.position(), 2u);
  ingest.on_round_end();
  EXPECT_GE(ingest.durable_wake_fd(), 0);
  ingest.on_stop();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].journal, (JournalId{42, 0}));
  EXPECT_EQ(closed[0].journal_seqs, (std::vector<JournalSeq>{1, 2}));
}

TEST(ThreadIngestJournal, WithoutAJournalEverythingIsDurableAtOnce) {
  std::vector<ClosedBatch> closed;
  metrics::RelayCounters counters;
  ManualClock clock{WallTime{} + 1000s};
  ThreadIngest ingest(
      batch::BatchLimits{}, [&closed](ClosedBatch&& batch) { closed.push_back(std::move(batch)); },
      parse::EventIdGenerator::counting(parse::EventIdSequence::of_process()), clock, 10, 65536, counters);
  const SourceKey key{*IpAddress::parse("192.0.2.1"), 514, Protocol::kSyslog};
  ingest.on_message(key, "192.0.2.1", "<13>only", clock.now());
  EXPECT_EQ(ingest.durable_through(), UINT64_MAX);
  EXPECT_EQ(ingest.durable_wake_fd(), -1);
  ingest.on_stop();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_TRUE(closed[0].journal_seqs.empty());
}

}  // namespace
}  // namespace kinesyslog::relay
