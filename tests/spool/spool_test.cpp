#include "spool/spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::spool {
namespace {

using namespace std::chrono_literals;
using testing::entry_names;
using testing::read_whole_file;
using testing::TemporaryDirectory;
using testing::write_whole_file;

const WallTime kMarch2026 = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 17h + 4min;

std::string read_record(Spool& spool, const SpoolFile& file) {
  std::string contents;
  EXPECT_TRUE(spool.read(file, contents));
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
  ASSERT_TRUE(spool.read(first, buffer));
  ASSERT_TRUE(spool.read(second, buffer));
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
  spool.remove(delivered);  // already gone: not an error
  EXPECT_EQ(spool.record_count(), 1U);
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
  EXPECT_FALSE(spool.read(file, contents));
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

}  // namespace
}  // namespace kinesyslog::spool
