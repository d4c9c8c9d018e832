#include "spool/spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <set>
#include <system_error>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "support/gzip_member.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::spool {
namespace {

using namespace std::chrono_literals;
using testing::entry_names;
using testing::gzip_member;
using testing::read_whole_file;
using testing::TemporaryDirectory;
using testing::write_whole_file;

const WallTime kMarch2026 = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 17h + 4min;

std::string read_record(Spool& spool, const SpoolFile& file) {
  std::string contents;
  EXPECT_EQ(spool.read(file, contents), ReadResult::kRead);
  return contents;
}

class SpoolTest : public ::testing::TestWithParam<bool> {
 protected:
  SpoolOptions options() const { return SpoolOptions{GetParam()}; }
  TemporaryDirectory directory_;
  ManualClock clock_{kMarch2026};
};

TEST_P(SpoolTest, PublishedRecordIsReadBackExactly) {
  Spool spool(directory_.path(), clock_, options());
  const std::string record("\x1f\x8b\x08\x00 binary \0 bytes", 20);
  const SpoolFile file = spool.publish(record);
  EXPECT_EQ(file.size, record.size());
  EXPECT_EQ(read_record(spool, file), record);
  EXPECT_EQ(read_whole_file(directory_.path() / file.name), record);
}

TEST_P(SpoolTest, RecordNameStartsWithFirehoseEventAndLeavesNoTemporaryFile) {
  Spool spool(directory_.path(), clock_, options());
  const SpoolFile file = spool.publish("record");
  EXPECT_EQ(file.name.rfind("firehose_event-", 0), 0U) << file.name;
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{file.name});
}

TEST_P(SpoolTest, ReadAppendsToTheBuffer) {
  Spool spool(directory_.path(), clock_, options());
  const SpoolFile first = spool.publish("first");
  const SpoolFile second = spool.publish("second");
  std::string buffer;
  ASSERT_EQ(spool.read(first, buffer), ReadResult::kRead);
  ASSERT_EQ(spool.read(second, buffer), ReadResult::kRead);
  EXPECT_EQ(buffer, "firstsecond");
}

INSTANTIATE_TEST_SUITE_P(Spool, SpoolTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& param_info) { return param_info.param ? "Tmpfile" : "TemporaryName"; });

TEST(Spool, HalfWrittenTemporaryFileIsNeverDelivered) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  // What a crash in the middle of the rename path leaves behind.
  const std::string leftover = ".firehose_event-1772384640000000000-0004242.tmp";
  write_whole_file(directory.path() / leftover, std::string("\x1f\x8b\x08\x00half", 8));
  Spool spool(directory.path(), clock);
  const SpoolFile complete = spool.publish("complete");

  const std::vector<SpoolFile> found = spool.scan();
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].name, complete.name);
  EXPECT_FALSE(std::filesystem::exists(directory.path() / leftover)) << "scan removes crash leftovers";
}

TEST(Spool, ScanFindsLeftoversOldestFirst) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  std::vector<SpoolFile> published;
  {
    Spool earlier_run(directory.path(), clock);
    for (const char* record : {"one", "two", "three"}) {
      published.push_back(earlier_run.publish(record));
      clock.advance(1s);
    }
  }
  Spool spool(directory.path(), clock);
  const std::vector<SpoolFile> found = spool.scan();
  ASSERT_EQ(found.size(), 3U);
  for (size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i].name, published[i].name);
    EXPECT_EQ(found[i].size, published[i].size);
    EXPECT_EQ(found[i].created, published[i].created);
  }
  EXPECT_EQ(spool.record_count(), 3U);
  EXPECT_EQ(spool.record_bytes(), 11U);
}

TEST(Spool, FilesSurviveReopen) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  SpoolFile file;
  {
    Spool first(directory.path(), clock);
    file = first.publish("kept across restarts");
  }
  Spool reopened(directory.path(), clock);
  ASSERT_EQ(reopened.scan().size(), 1U);
  EXPECT_EQ(read_record(reopened, file), "kept across restarts");
}

TEST(Spool, NamesSortByCreationTimeEvenWhenTheClockStandsStill) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool spool(directory.path(), clock);
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) names.push_back(spool.publish("x").name);
  clock.advance(1ns);
  names.push_back(spool.publish("x").name);
  clock.advance(10s);
  names.push_back(spool.publish("x").name);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

TEST(Spool, ConcurrentPublishersProduceUniqueNames) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};  // a clock that never moves: uniqueness may not rely on time
  Spool spool(directory.path(), clock);
  constexpr int kThreads = 4;
  constexpr int kRecordsPerThread = 50;
  std::vector<std::vector<SpoolFile>> published(kThreads);
  {
    std::vector<std::jthread> publishers;
    for (int t = 0; t < kThreads; ++t) {
      publishers.emplace_back([&spool, &published, t] {
        for (int i = 0; i < kRecordsPerThread; ++i) published[t].push_back(spool.publish(std::to_string(t * 1000 + i)));
      });
    }
  }
  std::set<std::string> names;
  for (const auto& files : published) {
    for (const SpoolFile& file : files) names.insert(file.name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kRecordsPerThread));
  EXPECT_EQ(spool.scan().size(), static_cast<size_t>(kThreads * kRecordsPerThread));
  EXPECT_EQ(spool.record_count(), static_cast<uint64_t>(kThreads * kRecordsPerThread));
}

TEST(Spool, TwoSpoolsOnOneDirectoryInOneProcessNeverCollide) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool first(directory.path(), clock);
  Spool second(directory.path(), clock);
  EXPECT_NE(first.publish("a").name, second.publish("b").name);
  EXPECT_EQ(first.scan().size(), 2U);
}

TEST(Spool, ForeignFilesInTheDirectoryAreLeftAlone) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  write_whole_file(directory.path() / "someone-elses.tmp", "not ours");
  write_whole_file(directory.path() / ".hidden", "not ours either");
  Spool spool(directory.path(), clock);
  EXPECT_TRUE(spool.scan().empty());
  EXPECT_EQ(entry_names(directory.path()), (std::vector<std::string>{".hidden", "someone-elses.tmp"}));
}

TEST(Spool, LeftoverWithAForeignNameIsDatedByItsModificationTime) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  // The original Python relay named its spool files `firehose_event-<random>`.
  const auto path = directory.path() / "firehose_event-abc123";
  write_whole_file(path, "from the original");
  const timespec modified[2] = {{1700000000, 5}, {1700000000, 5}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), modified, 0), 0);
  Spool spool(directory.path(), clock);
  const std::vector<SpoolFile> found = spool.scan();
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].name, "firehose_event-abc123");
  EXPECT_EQ(found[0].created, WallTime{} + 1700000000s + 5ns);
}

TEST(Spool, RemoveDeletesTheFileAndUpdatesTheTotals) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool spool(directory.path(), clock);
  const SpoolFile kept = spool.publish("kept");
  const SpoolFile delivered = spool.publish("delivered");
  EXPECT_EQ(spool.record_count(), 2U);
  EXPECT_EQ(spool.record_bytes(), 13U);
  spool.remove(delivered);
  EXPECT_EQ(entry_names(directory.path()), std::vector<std::string>{kept.name});
  EXPECT_EQ(spool.record_count(), 1U);
  EXPECT_EQ(spool.record_bytes(), 4U);
  // A file someone else deleted first: see ARecordGoneBeforeItsQuarantineOrRemovalLeavesTheTotals.
}

TEST(Spool, PublishPastTheCapIsRefusedAndOldRecordsAreKept) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool spool(directory.path(), clock, SpoolOptions{.allow_tmpfile = true, .max_bytes = 10});
  const SpoolFile old_record = spool.publish("0123456789");
  EXPECT_FALSE(spool.full());
  EXPECT_THROW(spool.publish("x"), SpoolFullError);
  EXPECT_TRUE(spool.full());
  EXPECT_EQ(entry_names(directory.path()), std::vector<std::string>{old_record.name});
  spool.remove(old_record);
  EXPECT_FALSE(spool.full());
  EXPECT_NO_THROW(spool.publish("x"));
}

TEST(Spool, ReadOfAVanishedFileSaysSo) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool spool(directory.path(), clock);
  const SpoolFile file = spool.publish("gone soon");
  std::filesystem::remove(directory.path() / file.name);
  std::string contents;
  EXPECT_EQ(spool.read(file, contents), ReadResult::kGone);
}

TEST(Spool, MissingDirectoryIsAnErrorNamingIt) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  const auto missing = directory.path() / "no-such-spool";
  try {
    Spool spool(missing, clock);
    FAIL() << "expected SpoolError";
  } catch (const SpoolError& error) {
    EXPECT_NE(std::string(error.what()).find(missing.string()), std::string::npos) << error.what();
  }
}

TEST(Spool, PublishFailureIsAnErrorNamingTheDirectory) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  const auto doomed = directory.path() / "doomed";
  std::filesystem::create_directory(doomed);
  Spool spool(doomed, clock);
  std::filesystem::remove(doomed);  // deleted under the running relay
  try {
    spool.publish("lost?");
    FAIL() << "expected SpoolError";
  } catch (const SpoolError& error) {
    EXPECT_NE(std::string(error.what()).find(doomed.string()), std::string::npos) << error.what();
  }
}

TEST(Spool, RegularFileIsNotASpoolDirectory) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  const auto file = directory.path() / "plain-file";
  write_whole_file(file, "");
  EXPECT_THROW(Spool(file, clock), SpoolError);
}

TEST(Spool, UnwritableDirectoryIsAnErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  const auto read_only = directory.path() / "read-only";
  std::filesystem::create_directory(read_only);
  std::filesystem::permissions(read_only, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  try {
    Spool spool(read_only, clock);
    FAIL() << "expected SpoolError";
  } catch (const SpoolError& error) {
    EXPECT_NE(std::string(error.what()).find(read_only.string()), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("not writable"), std::string::npos) << error.what();
  }
}


constexpr const char* kLeftoverName = "firehose_event-0000000000000000001-0000001-000000000000";

// A spool holding one file put there by someone else (or an earlier run), already scanned.
class ForeignFile : public ::testing::Test {
 protected:
  // Scans, then reads the one leftover; what read() said.
  ReadResult read_leftover() {
    const std::vector<SpoolFile> found = spool_.scan();
    if (found.size() != 1) {
      ADD_FAILURE() << found.size() << " files found";
      return ReadResult::kGone;
    }
    contents_ = "kept";  // read() appends: whatever it refuses leaves the buffer as it was
    return spool_.read(found[0], contents_);
  }
  std::filesystem::path leftover() const { return directory_.path() / kLeftoverName; }
  std::vector<std::string> quarantined() const { return entry_names(directory_.path() / "quarantine"); }

  TemporaryDirectory directory_;
  ManualClock clock_{kMarch2026};
  Spool spool_{directory_.path(), clock_};
  std::string contents_;
};

TEST_F(ForeignFile, CompleteGzipMembersAreARecord) {
  const std::string record = gzip_member("one") + gzip_member("two");
  write_whole_file(leftover(), record);
  EXPECT_EQ(read_leftover(), ReadResult::kRead);
  EXPECT_EQ(contents_, "kept" + record);
  EXPECT_FALSE(std::filesystem::exists(directory_.path() / "quarantine"));
}

TEST_F(ForeignFile, TruncatedGzipIsQuarantined) {
  const std::string whole = gzip_member("a record cut short by a full disk");
  write_whole_file(leftover(), whole.substr(0, whole.size() - 4));
  EXPECT_EQ(read_leftover(), ReadResult::kQuarantined);
  EXPECT_EQ(contents_, "kept");
  EXPECT_EQ(quarantined(), std::vector<std::string>{kLeftoverName});
  EXPECT_EQ(read_whole_file(directory_.path() / "quarantine" / kLeftoverName), whole.substr(0, whole.size() - 4))
      << "moved, never changed";
  EXPECT_EQ(spool_.quarantined_count(), 1U);
  EXPECT_EQ(spool_.record_count(), 0U);
}

TEST_F(ForeignFile, WrongCrcIsQuarantined) {
  std::string record = gzip_member("the trailer's CRC32 no longer matches");
  record[record.size() - 8] ^= 0x01;  // RFC 1952 §2.2: CRC32, then ISIZE, end the member
  write_whole_file(leftover(), record);
  EXPECT_EQ(read_leftover(), ReadResult::kQuarantined);
}

TEST_F(ForeignFile, BytesAfterTheLastMemberAreQuarantined) {
  write_whole_file(leftover(), gzip_member("fine") + "trailing garbage");
  EXPECT_EQ(read_leftover(), ReadResult::kQuarantined);
}

TEST_F(ForeignFile, EmptyOrPlainTextIsQuarantined) {
  write_whole_file(leftover(), "");
  EXPECT_EQ(read_leftover(), ReadResult::kQuarantined);
  write_whole_file(leftover(), "{\"not\": \"gzip\"}");
  EXPECT_EQ(read_leftover(), ReadResult::kQuarantined);
  EXPECT_EQ(quarantined(), (std::vector<std::string>{kLeftoverName, std::string(kLeftoverName) + ".1"}))
      << "a second file of the same name does not replace the first";
  EXPECT_EQ(spool_.quarantined_count(), 2U);
}

TEST_F(ForeignFile, OverTheRecordSizeIsQuarantinedAtScan) {
  write_whole_file(leftover(), std::string(1'024'001, 'x'));
  EXPECT_TRUE(spool_.scan().empty());
  EXPECT_EQ(quarantined(), std::vector<std::string>{kLeftoverName});
}

TEST_F(ForeignFile, HugeSparseFileIsQuarantinedAtScanWithoutBeingRead) {
  write_whole_file(leftover(), "");
  std::filesystem::resize_file(leftover(), uint64_t{1} << 40);
  EXPECT_TRUE(spool_.scan().empty());
  EXPECT_EQ(quarantined(), std::vector<std::string>{kLeftoverName});
  EXPECT_EQ(std::filesystem::file_size(directory_.path() / "quarantine" / kLeftoverName), uint64_t{1} << 40);
}

TEST_F(ForeignFile, FileThatGrewPastTheRecordSizeAfterTheScanIsQuarantinedWhenRead) {
  write_whole_file(leftover(), gzip_member("small at scan time"));
  const std::vector<SpoolFile> found = spool_.scan();
  ASSERT_EQ(found.size(), 1U);
  std::filesystem::resize_file(leftover(), uint64_t{1} << 40);
  std::string contents;
  EXPECT_EQ(spool_.read(found[0], contents), ReadResult::kQuarantined);
  EXPECT_TRUE(contents.empty());
}

TEST_F(ForeignFile, SymbolicLinkIsQuarantinedAndNotFollowed) {
  write_whole_file(directory_.path() / "elsewhere", gzip_member("not in the spool"));
  std::filesystem::create_symlink(directory_.path() / "elsewhere", leftover());
  EXPECT_TRUE(spool_.scan().empty());
  EXPECT_EQ(quarantined(), std::vector<std::string>{kLeftoverName});
  EXPECT_TRUE(std::filesystem::exists(directory_.path() / "elsewhere"));
}

TEST_F(ForeignFile, SymbolicLinkSwappedInAfterTheScanIsQuarantinedWhenRead) {
  write_whole_file(leftover(), gzip_member("regular at scan time"));
  const std::vector<SpoolFile> found = spool_.scan();
  ASSERT_EQ(found.size(), 1U);
  write_whole_file(directory_.path() / "elsewhere", gzip_member("not in the spool"));
  std::filesystem::create_symlink(directory_.path() / "elsewhere", directory_.path() / "link");
  std::filesystem::rename(directory_.path() / "link", leftover());
  std::string contents;
  EXPECT_EQ(spool_.read(found[0], contents), ReadResult::kQuarantined);
  EXPECT_TRUE(contents.empty());
}

TEST_F(ForeignFile, DirectoryIsQuarantinedAtScan) {
  std::filesystem::create_directory(leftover());
  EXPECT_TRUE(spool_.scan().empty());
  EXPECT_EQ(quarantined(), std::vector<std::string>{kLeftoverName});
}

// F4(b): a FIFO renamed over a record between the scan and the read.
TEST_F(ForeignFile, FifoSwappedInAfterTheScanNeitherBlocksNorIsSent) {
  write_whole_file(leftover(), gzip_member("regular at scan time"));
  const std::vector<SpoolFile> found = spool_.scan();
  ASSERT_EQ(found.size(), 1U);
  const auto fifo = directory_.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::filesystem::rename(fifo, leftover());
  auto reading = std::async(std::launch::async, [&] {
    std::string contents;
    return spool_.read(found[0], contents);
  });
  const bool returned = reading.wait_for(2s) == std::future_status::ready;
  if (!returned) {  // let the blocked open finish so the test can end
    UniqueFd writer(::open(leftover().c_str(), O_WRONLY | O_NONBLOCK));
  }
  ASSERT_TRUE(returned) << "read() blocked on a FIFO";
  EXPECT_EQ(reading.get(), ReadResult::kQuarantined);
  EXPECT_EQ(quarantined(), std::vector<std::string>{kLeftoverName});
}

TEST_F(ForeignFile, FifoPresentAtScanIsQuarantined) {
  ASSERT_EQ(::mkfifo(leftover().c_str(), 0600), 0);
  EXPECT_TRUE(spool_.scan().empty());
  EXPECT_EQ(quarantined(), std::vector<std::string>{kLeftoverName});
}

TEST(Spool, RecordsThisProcessWroteAreNotCheckedForGzip) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool spool(directory.path(), clock);
  const SpoolFile file = spool.publish("plain bytes this process wrote");
  Spool reopened(directory.path(), clock);
  ASSERT_EQ(reopened.scan().size(), 1U);
  EXPECT_EQ(read_record(reopened, file), "plain bytes this process wrote");
}

TEST(Spool, QuarantineDirectoryIsPrivateAndCountedAtStart) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  {
    Spool spool(directory.path(), clock);
    const SpoolFile file = spool.publish("refused by the destination");
    EXPECT_EQ(spool.quarantine(file, "ValidationException"), QuarantineResult::kMoved);
    EXPECT_EQ(spool.quarantined_count(), 1U);
    EXPECT_EQ(spool.record_count(), 0U);
  }
  struct stat status {};
  ASSERT_EQ(::stat((directory.path() / "quarantine").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0700U);
  Spool restarted(directory.path(), clock);
  EXPECT_EQ(restarted.quarantined_count(), 1U);
  EXPECT_TRUE(restarted.scan().empty()) << "quarantined files are never found again";
}

// The delivery index forgets a record however its quarantine ends, so the totals (and the
// --spool-max-bytes check) must forget it too.
TEST(Spool, ARecordThatCannotBeMovedToQuarantineLeavesTheTotals) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool spool(directory.path(), clock);
  write_whole_file(directory.path() / "quarantine", "a file where the directory should be");
  const SpoolFile refused = spool.publish("refused by the destination");
  spool.publish("waits");
  EXPECT_EQ(spool.quarantine(refused, "ValidationException"), QuarantineResult::kLeftInPlace);
  EXPECT_EQ(spool.record_count(), 1U);
  EXPECT_EQ(spool.record_bytes(), 5U);
  EXPECT_TRUE(std::filesystem::exists(directory.path() / refused.name)) << "left in place";
}

TEST(Spool, ARecordGoneBeforeItsQuarantineOrRemovalLeavesTheTotals) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  Spool spool(directory.path(), clock);
  const SpoolFile quarantined = spool.publish("deleted by someone before its quarantine");
  const SpoolFile removed = spool.publish("deleted by someone before its removal");
  const SpoolFile read = spool.publish("deleted by someone before it was read");
  spool.publish("waits");
  for (const SpoolFile& file : {quarantined, removed, read}) std::filesystem::remove(directory.path() / file.name);
  EXPECT_EQ(spool.quarantine(quarantined, "ValidationException"), QuarantineResult::kGone);
  EXPECT_NO_THROW(spool.remove(removed));
  std::string contents;
  EXPECT_EQ(spool.read(read, contents), ReadResult::kGone);
  EXPECT_EQ(spool.record_count(), 1U);
  EXPECT_EQ(spool.record_bytes(), 5U);
  EXPECT_EQ(spool.quarantined_count(), 0U);
}

// The directory fsync after the link fails once; the encoder then publishes again.
TEST_P(SpoolTest, FailedDirectorySyncLeavesNoUnindexedDuplicate) {
  static int failures_left;
  failures_left = 1;
  SpoolOptions failing = options();
  failing.sync_directory = [](int dir_fd, const std::string& what) {
    if (failures_left-- > 0) throw std::system_error(EIO, std::generic_category(), "syncing the directory of " + what);
    sync_directory(dir_fd, what);
  };
  Spool spool(directory_.path(), clock_, failing);
  EXPECT_THROW(spool.publish("record"), SpoolError);
  const SpoolFile file = spool.publish("record");  // what Relay's encoder does after a failure
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{file.name});
  EXPECT_EQ(spool.record_count(), 1U);
  EXPECT_EQ(spool.scan().size(), 1U);
}

}  // namespace
}  // namespace kinesyslog::spool
