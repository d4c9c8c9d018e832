// Group commit: many staged records become visible in few rounds (one filesystem sync and one
// directory sync each); a failing sync, rename or owner's step publishes nothing of what failed
// and tries it again under fresh names; the shutdown deadline gives the rest up; staged records
// count against the spool's cap.
#include "spool/group_committer.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "spool/spool.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::spool {
namespace {

using namespace std::chrono_literals;
using testing::entry_names;
using testing::read_whole_file;
using testing::TemporaryDirectory;

// The seams are plain function pointers: their state is global, reset by each test.
std::atomic<int> filesystem_syncs{0};
std::atomic<int> filesystem_failures_left{0};
std::atomic<int> directory_failures_left{0};
std::atomic<bool> syncs_held{false};  // a slow disk: syncs wait until the test lets them go

void counting_filesystem_sync(int dir_fd, const std::string& what) {
  ++filesystem_syncs;
  for (int i = 0; i < 30'000 && syncs_held.load(); ++i) std::this_thread::sleep_for(1ms);
  if (filesystem_failures_left.fetch_sub(1) > 0) throw std::system_error(EIO, std::generic_category(), what);
  sync_filesystem(dir_fd, what);
}

void failing_directory_sync(int dir_fd, const std::string& what) {
  if (directory_failures_left.fetch_sub(1) > 0) throw std::system_error(EIO, std::generic_category(), what);
  sync_directory(dir_fd, what);
}

// The owner's side: what it heard, in order; before_rename() can be made to throw.
class RecordingSteps final : public CommitSteps {
 public:
  void before_rename(std::span<const PendingRecord> round) override {
    std::lock_guard lock(mutex_);
    for (const PendingRecord& record : round) {
      noted.insert(record.staged.temporary_name());
      // Durable under its temporary name, not renamed yet.
      if (!std::filesystem::exists(directory / record.staged.temporary_name())) ++missing_temporaries;
    }
    if (before_rename_failures_left > 0) {
      --before_rename_failures_left;
      throw std::runtime_error("commit log unavailable");
    }
  }
  void published(PendingRecord& record, const SpoolFile& file) override {
    std::lock_guard lock(mutex_);
    files.push_back(file);
    contents.insert(record.data);
  }
  void given_up(PendingRecord& record) override {
    std::lock_guard lock(mutex_);
    dropped.push_back(record.data);
  }
  bool next_start_recovers(const PendingRecord& /*record*/) const override { return journaled; }
  void failing(bool now) override {
    std::lock_guard lock(mutex_);
    if (now) ++failed_rounds;
  }

  std::filesystem::path directory;
  std::mutex mutex_;
  std::vector<SpoolFile> files;
  std::multiset<std::string> contents;
  std::vector<std::string> dropped;
  std::set<std::string> noted;  // every temporary name before_rename() saw
  bool journaled = false;       // what next_start_recovers() answers
  int failed_rounds = 0;
  int missing_temporaries = 0;
  int before_rename_failures_left = 0;
};

class GroupCommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    filesystem_syncs = 0;
    filesystem_failures_left = 0;
    directory_failures_left = 0;
    syncs_held = false;
    steps_.directory = directory_.path();
  }

  SpoolOptions options(uint64_t max_bytes = 0) {
    return SpoolOptions{
        .max_bytes = max_bytes, .sync_directory = failing_directory_sync, .sync_filesystem = counting_filesystem_sync};
  }

  static void hand_off(Spool& spool, GroupCommitter& committer, const std::string& data) {
    PendingRecord record;
    record.staged = spool.stage(data);
    record.data = data;
    record.events = 1;
    try {
      committer.hand_off(std::move(record));
    } catch (...) {
      spool.discard(std::move(record.staged));  // NOLINT(bugprone-use-after-move): untouched when it throws
      throw;
    }
  }

  int failed_rounds() {
    std::lock_guard lock(steps_.mutex_);
    return steps_.failed_rounds;
  }

  static size_t temporaries(const std::filesystem::path& directory) {
    size_t count = 0;
    for (const auto& name : entry_names(directory)) count += name.starts_with(Spool::kTemporaryPrefix) ? 1 : 0;
    return count;
  }

  TemporaryDirectory directory_;
  ManualClock clock_{WallTime{} + 1'800'000'000s};
  RecordingSteps steps_;
  const GroupCommitLimits no_pause_{.retry_pause = 0ns};
};

TEST_F(GroupCommitterTest, RecordsFromConcurrentPublishersArePublishedOnceEachInFewRounds) {
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, no_pause_);
  syncs_held = true;  // the first round's sync lasts until every record is handed off
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> publishers;
  for (int t = 0; t < kThreads; ++t) {
    publishers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) hand_off(spool, committer, "record " + std::to_string(t * kPerThread + i));
    });
  }
  for (auto& publisher : publishers) publisher.join();
  syncs_held = false;
  committer.drain(SteadyTime::max());

  constexpr int kRecords = kThreads * kPerThread;
  ASSERT_EQ(steps_.files.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(steps_.contents.size(), static_cast<size_t>(kRecords));
  for (int n = 0; n < kRecords; ++n) EXPECT_EQ(steps_.contents.count("record " + std::to_string(n)), 1u) << n;
  EXPECT_EQ(entry_names(directory_.path()).size(), static_cast<size_t>(kRecords));  // no temporary left
  EXPECT_EQ(spool.record_count(), static_cast<uint64_t>(kRecords));
  EXPECT_EQ(read_whole_file(directory_.path() / steps_.files.front().name).rfind("record ", 0), 0u);
  // One filesystem sync per round: the round whose sync was held, and one for everything handed
  // in meanwhile (a record handed in while the committer took the first may make a third).
  EXPECT_EQ(static_cast<uint64_t>(filesystem_syncs.load()), committer.rounds());
  EXPECT_LE(committer.rounds(), 3u);
  EXPECT_EQ(steps_.missing_temporaries, 0);
  EXPECT_EQ(steps_.failed_rounds, 0);
}

TEST_F(GroupCommitterTest, AFailingFilesystemSyncPublishesNothingUntilItWorksThenEveryRecordOnce) {
  filesystem_failures_left = 3;
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, no_pause_);
  for (int n = 0; n < 20; ++n) hand_off(spool, committer, "record " + std::to_string(n));
  committer.drain(SteadyTime::max());
  EXPECT_EQ(steps_.failed_rounds, 3);
  EXPECT_EQ(steps_.files.size(), 20u);
  EXPECT_EQ(std::set<std::string>(steps_.contents.begin(), steps_.contents.end()).size(), 20u);
  EXPECT_EQ(temporaries(directory_.path()), 0u);  // the failed rounds' files were replaced, not left behind
  EXPECT_EQ(entry_names(directory_.path()).size(), 20u);
}

TEST_F(GroupCommitterTest, AFailedDirectorySyncTakesTheRenamedNamesAwayAgain) {
  directory_failures_left = 1;
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, GroupCommitLimits{.retry_pause = 1h});
  hand_off(spool, committer, "first");
  // The first round fails at the directory sync; the committer then pauses (the manual clock
  // never reaches the end of the pause): no record is visible meanwhile.
  for (int i = 0; i < 5000 && failed_rounds() == 0; ++i) std::this_thread::sleep_for(1ms);
  {
    std::lock_guard lock(steps_.mutex_);
    EXPECT_EQ(steps_.failed_rounds, 1);
    EXPECT_TRUE(steps_.files.empty());
  }
  for (const auto& name : entry_names(directory_.path())) EXPECT_FALSE(name.starts_with(Spool::kRecordPrefix)) << name;
  clock_.advance(1h);  // the pause ends; the retry works
  committer.drain(SteadyTime::max());
  ASSERT_EQ(steps_.files.size(), 1u);
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{steps_.files.front().name});
}

// What the owner noted under a temporary name (the journal's commit log) names a file that
// exists until it is renamed into place: recovery takes a noted temporary name that is gone for
// a record that was published, and skips its events. So a round that fails after the owner's step
// keeps every temporary file (its data is durable: the round's sync came first).
std::vector<std::string> noted_but_missing(RecordingSteps& steps) {
  std::lock_guard lock(steps.mutex_);
  std::set<std::string> published;
  for (const SpoolFile& file : steps.files) published.insert(file.name);
  std::vector<std::string> missing;
  for (const std::string& temporary : steps.noted) {
    const std::string final_name = temporary.substr(1, temporary.size() - 5);
    if (!std::filesystem::exists(steps.directory / temporary) && !published.contains(final_name)) {
      missing.push_back(temporary);
    }
  }
  return missing;
}

TEST_F(GroupCommitterTest, AfterAFailedDirectorySyncEveryNotedTemporaryNameStillExists) {
  directory_failures_left = 1;
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, GroupCommitLimits{.retry_pause = 1h});
  for (int n = 0; n < 5; ++n) hand_off(spool, committer, "record " + std::to_string(n));
  for (int i = 0; i < 5000 && failed_rounds() == 0; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(failed_rounds(), 1);
  EXPECT_EQ(noted_but_missing(steps_), std::vector<std::string>{});
  clock_.advance(1h);
  committer.drain(SteadyTime::max());
  EXPECT_EQ(steps_.files.size(), 5u);
  EXPECT_EQ(temporaries(directory_.path()), 0u);
}

// A record staged before the committer runs, with a non-empty directory under its final name:
// rename(2) fails with EISDIR. Returns its temporary name; the record is handed to `committer`.
std::string hand_off_blocked(Spool& spool, GroupCommitter& committer, const std::filesystem::path& directory,
                             const std::string& data) {
  PendingRecord blocked;
  blocked.staged = spool.stage(data);
  blocked.data = data;
  std::string temporary = blocked.staged.temporary_name();
  const auto final_path = directory / temporary.substr(1, temporary.size() - 5);
  std::filesystem::create_directory(final_path);
  testing::write_whole_file(final_path / "inside", "x");
  committer.hand_off(std::move(blocked));
  return temporary;
}

TEST_F(GroupCommitterTest, AfterAFailedRenameItsNotedTemporaryNameStillExists) {
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, GroupCommitLimits{.retry_pause = 1h});
  const std::string temporary = hand_off_blocked(spool, committer, directory_.path(), "blocked");
  for (int i = 0; i < 5000 && failed_rounds() == 0; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(failed_rounds(), 1);
  EXPECT_EQ(noted_but_missing(steps_), std::vector<std::string>{});
  EXPECT_EQ(read_whole_file(directory_.path() / temporary), "blocked");
  clock_.advance(1h);
  committer.drain(SteadyTime::max());
  ASSERT_EQ(steps_.files.size(), 1u);
}

// At the shutdown deadline a record whose data is durable and whose events the next start's
// journal recovery will find stays under its temporary name: that recovery rolls it forward
// (its name was noted) or replays its events (it was not), so it is not lost.
TEST_F(GroupCommitterTest, PastTheDeadlineADurableRecordTheNextStartRecoversStaysOnDisk) {
  steps_.journaled = true;
  directory_failures_left = 1'000'000;
  Spool spool(directory_.path(), clock_, options(/*max_bytes=*/100));
  GroupCommitter committer(spool, steps_, clock_, GroupCommitLimits{.retry_pause = 1h});
  hand_off(spool, committer, std::string(60, 'a'));
  committer.drain(clock_.steady_now());
  EXPECT_TRUE(steps_.files.empty());
  EXPECT_TRUE(steps_.dropped.empty()) << "the next start recovers it: not lost";
  ASSERT_EQ(steps_.noted.size(), 1u);
  EXPECT_EQ(read_whole_file(directory_.path() / *steps_.noted.begin()), std::string(60, 'a'));
  StagedRecord again = spool.stage(std::string(60, 'b'));  // its bytes left the cap
  spool.discard(std::move(again));
}

TEST_F(GroupCommitterTest, AFailedRenameFailsThatRecordOnlyAndItIsWrittenAnew) {
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, no_pause_);
  const std::string temporary = hand_off_blocked(spool, committer, directory_.path(), "blocked");
  const auto final_path = directory_.path() / temporary.substr(1, temporary.size() - 5);
  hand_off(spool, committer, "fine");
  committer.drain(SteadyTime::max());
  EXPECT_GE(steps_.failed_rounds, 1);
  ASSERT_EQ(steps_.files.size(), 2u);
  EXPECT_EQ(steps_.contents, (std::multiset<std::string>{"blocked", "fine"}));
  EXPECT_TRUE(std::filesystem::is_directory(final_path));  // untouched: the retry used a fresh final name
  EXPECT_EQ(temporaries(directory_.path()), 0u);
}

TEST_F(GroupCommitterTest, WhenTheOwnersStepFailsNothingIsRenamed) {
  steps_.before_rename_failures_left = 2;
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, no_pause_);
  hand_off(spool, committer, "noted at the third attempt");
  committer.drain(SteadyTime::max());
  EXPECT_EQ(steps_.failed_rounds, 2);
  ASSERT_EQ(steps_.files.size(), 1u);
  EXPECT_EQ(entry_names(directory_.path()).size(), 1u);
}

TEST_F(GroupCommitterTest, PastTheDeadlineFailingRecordsAreGivenUpAndLeaveNothingBehind) {
  filesystem_failures_left = 1'000'000;
  Spool spool(directory_.path(), clock_, options(/*max_bytes=*/100));
  GroupCommitter committer(spool, steps_, clock_, GroupCommitLimits{.retry_pause = 1h});
  hand_off(spool, committer, std::string(60, 'a'));
  committer.drain(clock_.steady_now());  // the deadline is now
  EXPECT_TRUE(steps_.files.empty());
  EXPECT_EQ(steps_.dropped, std::vector<std::string>{std::string(60, 'a')});
  EXPECT_TRUE(entry_names(directory_.path()).empty());
  // Its bytes left the cap with it.
  StagedRecord again = spool.stage(std::string(60, 'b'));
  spool.discard(std::move(again));
}

TEST_F(GroupCommitterTest, StagedRecordsCountAgainstTheCapBeforeTheyAreCommitted) {
  Spool spool(directory_.path(), clock_, options(/*max_bytes=*/100));
  StagedRecord first = spool.stage(std::string(60, 'a'));
  EXPECT_THROW(spool.stage(std::string(60, 'b')), SpoolFullError);
  EXPECT_TRUE(spool.full());
  spool.discard(std::move(first));
  StagedRecord second = spool.stage(std::string(60, 'b'));  // room again
  GroupCommitter committer(spool, steps_, clock_, no_pause_);
  PendingRecord record;
  record.staged = std::move(second);
  record.data = std::string(60, 'b');
  committer.hand_off(std::move(record));
  committer.drain(SteadyTime::max());
  EXPECT_EQ(spool.record_bytes(), 60u);
  EXPECT_THROW(spool.stage(std::string(60, 'c')), SpoolFullError);  // committed: still counted
}

TEST_F(GroupCommitterTest, AFullHandOffRefusesAtTheShutdownDeadline) {
  filesystem_failures_left = 1'000'000;
  Spool spool(directory_.path(), clock_, options());
  GroupCommitter committer(spool, steps_, clock_, GroupCommitLimits{.max_records = 1, .retry_pause = 1h});
  hand_off(spool, committer, "one");
  hand_off(spool, committer, "two");  // waits until the committer took "one", then queues
  committer.begin_stop(clock_.steady_now());
  // The committer gives its failing round up at the deadline; a third record finds room or is
  // refused, but never waits for good.
  try {
    hand_off(spool, committer, "three");
  } catch (const SpoolError&) {
  }
  committer.drain(clock_.steady_now());
  EXPECT_TRUE(steps_.files.empty());
  EXPECT_GE(steps_.dropped.size(), 2u);
  EXPECT_EQ(temporaries(directory_.path()), 0u);
}

}  // namespace
}  // namespace kinesyslog::spool
