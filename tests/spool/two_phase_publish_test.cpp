// The spool's two-phase publish (prepare, then commit or discard) and the recovery step that
// rolls a committed temporary record into place after a crash.
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
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

const WallTime kPublishTime = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 17h;

class TwoPhasePublish : public ::testing::Test {
 protected:
  TemporaryDirectory directory_;
  ManualClock clock_{kPublishTime};
};

TEST_F(TwoPhasePublish, APreparedRecordWaitsUnderItsTemporaryNameAndIsNotScanned) {
  Spool spool(directory_.path(), clock_);
  PreparedRecord prepared = spool.prepare("prepared bytes");
  EXPECT_EQ(prepared.temporary_name().rfind(".firehose_event-", 0), 0u) << prepared.temporary_name();
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{prepared.temporary_name()});
  EXPECT_EQ(read_whole_file(directory_.path() / prepared.temporary_name()), "prepared bytes");
  // A scan meanwhile (delivery's start) neither lists it nor removes it as a crash leftover.
  EXPECT_TRUE(spool.scan().empty());
  EXPECT_TRUE(std::filesystem::exists(directory_.path() / prepared.temporary_name()));
  EXPECT_EQ(spool.record_count(), 0u);
  spool.discard(std::move(prepared));
}

// The commit log will name the temporary: its directory entry must be on disk before that,
// or a power loss could leave the log naming a file that never existed.
TEST_F(TwoPhasePublish, PrepareSyncsTheDirectoryAfterCreatingTheTemporaryName) {
  static std::vector<std::string> synced;
  synced.clear();
  const auto recording_sync = [](int dir_fd, const std::string& what) {
    synced.push_back(what);
    sync_directory(dir_fd, what);
  };
  Spool spool(directory_.path(), clock_, SpoolOptions{.sync_directory = recording_sync});
  PreparedRecord prepared = spool.prepare("named durably");
  EXPECT_EQ(synced, std::vector<std::string>{prepared.temporary_name()});
  spool.discard(std::move(prepared));
}

TEST_F(TwoPhasePublish, CommitRenamesItIntoPlaceAsPublishWould) {
  Spool spool(directory_.path(), clock_);
  PreparedRecord prepared = spool.prepare("committed bytes");
  const std::string temporary = prepared.temporary_name();
  const SpoolFile file = spool.commit(std::move(prepared));
  EXPECT_EQ(file.name, temporary.substr(1, temporary.size() - 5));  // no leading '.', no ".tmp"
  EXPECT_EQ(file.size, 15u);
  EXPECT_EQ(file.created, kPublishTime);
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{file.name});
  EXPECT_EQ(spool.record_count(), 1u);
  EXPECT_EQ(spool.record_bytes(), 15u);
  std::string contents;
  EXPECT_EQ(spool.read(file, contents), ReadResult::kRead);  // written here: no gzip check
  EXPECT_EQ(contents, "committed bytes");
}

TEST_F(TwoPhasePublish, DiscardLeavesNothingBehind) {
  Spool spool(directory_.path(), clock_);
  spool.discard(spool.prepare("never published"));
  EXPECT_TRUE(entry_names(directory_.path()).empty());
  EXPECT_EQ(spool.record_count(), 0u);
}

TEST_F(TwoPhasePublish, PrepareRespectsTheCap) {
  Spool spool(directory_.path(), clock_, SpoolOptions{.allow_tmpfile = false, .max_bytes = 10});
  spool.commit(spool.prepare("0123456789"));
  EXPECT_THROW(spool.prepare("x"), SpoolFullError);
  EXPECT_TRUE(spool.full());
  EXPECT_EQ(entry_names(directory_.path()).size(), 1u);
}

TEST_F(TwoPhasePublish, AFailedDirectorySyncWhilePreparingLeavesNoTemporary) {
  static const auto failing_sync = [](int, const std::string& what) {
    throw std::system_error(EIO, std::generic_category(), "syncing the directory of " + what);
  };
  Spool spool(directory_.path(), clock_, SpoolOptions{.sync_directory = failing_sync});
  EXPECT_THROW(spool.prepare("doomed"), SpoolError);
  EXPECT_TRUE(entry_names(directory_.path()).empty());
}

TEST_F(TwoPhasePublish, AFailedDirectorySyncTakesTheNameAwayAgain) {
  // The temporary's sync (prepare) works; the one after the rename (commit) fails.
  static const auto failing_sync = [](int dir_fd, const std::string& what) {
    if (what.starts_with(Spool::kTemporaryPrefix)) return sync_directory(dir_fd, what);
    throw std::system_error(EIO, std::generic_category(), "syncing the directory of " + what);
  };
  Spool spool(directory_.path(), clock_, SpoolOptions{.sync_directory = failing_sync});
  PreparedRecord prepared = spool.prepare("doomed");
  EXPECT_THROW(spool.commit(std::move(prepared)), SpoolError);
  EXPECT_TRUE(entry_names(directory_.path()).empty());
  EXPECT_EQ(spool.record_count(), 0u);
}

TEST_F(TwoPhasePublish, RollForwardPutsACrashedCommitIntoPlaceBeforeTheScan) {
  std::string temporary;
  {
    Spool crashed_run(directory_.path(), clock_);
    PreparedRecord prepared = crashed_run.prepare("committed, then the crash");
    temporary = prepared.temporary_name();
    // The process dies here: the commit log names `temporary`, the rename never happened. The
    // object's destructor only closes the file.
  }
  Spool spool(directory_.path(), clock_);
  EXPECT_TRUE(spool.roll_forward(temporary));
  const std::vector<SpoolFile> found = spool.scan();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name, temporary.substr(1, temporary.size() - 5));
  EXPECT_EQ(found[0].created, kPublishTime);
  EXPECT_EQ(read_whole_file(directory_.path() / found[0].name), "committed, then the crash");
}

TEST_F(TwoPhasePublish, RollForwardOfARecordAlreadyInPlaceDoesNothing) {
  Spool spool(directory_.path(), clock_);
  PreparedRecord prepared = spool.prepare("renamed before the crash");
  const std::string temporary = prepared.temporary_name();
  const SpoolFile file = spool.commit(std::move(prepared));
  EXPECT_FALSE(spool.roll_forward(temporary));
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{file.name});
}

TEST_F(TwoPhasePublish, RollForwardRefusesNamesThatAreNotTemporaryRecords) {
  Spool spool(directory_.path(), clock_);
  EXPECT_THROW(spool.roll_forward("firehose_event-1-2-3"), SpoolError);
  EXPECT_THROW(spool.roll_forward(".firehose_event-../../etc/passwd.tmp"), SpoolError);
  EXPECT_THROW(spool.roll_forward(".firehose_event-1"), SpoolError);
}

}  // namespace
}  // namespace kinesyslog::spool
