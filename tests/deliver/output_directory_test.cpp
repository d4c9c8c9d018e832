#include "deliver/output_directory.hpp"

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "deliver/outgoing_records.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;
using testing::entry_names;
using testing::read_whole_file;
using testing::TemporaryDirectory;
using testing::write_whole_file;

// 2026-03-01T17:04:05.250Z
const WallTime kObjectTime = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 17h + 4min + 5s + 250ms;

std::vector<std::filesystem::path> objects_under(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> objects;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) objects.push_back(std::filesystem::relative(entry.path(), root));
  }
  return objects;
}

TEST(OutputDirectory, OneCallIsOneObjectInTheUtcHourFolderOfTheClock) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "my-stream", clock, 7);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"first", "second", "third"});
  const DeliveryResult result = destination.deliver(records);
  ASSERT_EQ(result.status, DeliveryResult::Status::kDelivered) << result.error;
  const auto objects = objects_under(directory.path());
  ASSERT_EQ(objects.size(), 1U);
  EXPECT_EQ(objects[0].parent_path(), std::filesystem::path("2026/03/01/17"));
}

TEST(OutputDirectory, ObjectHoldsTheRecordsConcatenatedInOrder) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "my-stream", clock, 7);
  const std::string binary("\x1f\x8b\x08\x00\x00\x01", 6);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({binary, "second", "", "fourth"});
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  const auto objects = objects_under(directory.path());
  ASSERT_EQ(objects.size(), 1U);
  EXPECT_EQ(read_whole_file(directory.path() / objects[0]), binary + "secondfourth");
}

TEST(OutputDirectory, EveryRecordOfAWrittenObjectIsAccepted) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "my-stream", clock, 7);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"a", "b", "c"});
  const DeliveryResult result = destination.deliver(records);
  ASSERT_EQ(result.outcomes.size(), 3U);
  for (const RecordOutcome& outcome : result.outcomes) EXPECT_TRUE(outcome.accepted);
}

TEST(OutputDirectory, ObjectIsNamedAsFirehoseNamesS3Objects) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "my-stream", clock, 7);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"x"});
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  const std::string name = objects_under(directory.path()).at(0).filename().string();
  // <stream>-<stream version>-YYYY-MM-DD-HH-MM-SS-<uuid v4>
  const std::regex firehose_name(
      "my-stream-1-2026-03-01-17-04-05-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(name, firehose_name)) << name;
}

TEST(OutputDirectory, CallsInTheSameSecondGetDistinctObjects) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "s", clock, 7);
  const std::vector<deliver::OutgoingRecord> first = testing::outgoing({"one"});
  const std::vector<deliver::OutgoingRecord> second = testing::outgoing({"two"});
  ASSERT_EQ(destination.deliver(first).status, DeliveryResult::Status::kDelivered);
  ASSERT_EQ(destination.deliver(second).status, DeliveryResult::Status::kDelivered);
  EXPECT_EQ(entry_names(directory.path() / "2026/03/01/17").size(), 2U);
}

TEST(OutputDirectory, NextHourGoesIntoANewFolder) {
  TemporaryDirectory directory;
  ManualClock clock{WallTime{std::chrono::sys_days{std::chrono::year{2026} / 12 / 31}} + 23h + 59min + 59s};
  OutputDirectoryDestination destination(directory.path(), "s", clock, 7);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"r"});
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  clock.advance(1s);
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  EXPECT_EQ(entry_names(directory.path() / "2026/12/31/23").size(), 1U);
  EXPECT_EQ(entry_names(directory.path() / "2027/01/01/00").size(), 1U);
}

TEST(OutputDirectory, MissingOutputDirectoryIsCreated) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path() / "not" / "yet", "s", clock, 7);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"r"});
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  EXPECT_EQ(objects_under(directory.path() / "not" / "yet").size(), 1U);
}

TEST(OutputDirectory, WriteFailureIsARetryableFailureNamingTheDirectory) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "s", clock, 7);
  write_whole_file(directory.path() / "2026", "a file where the year folder belongs");
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"r"});
  const DeliveryResult result = destination.deliver(records);
  EXPECT_EQ(result.status, DeliveryResult::Status::kRetryableFailure);
  EXPECT_NE(result.error.find(directory.path().string()), std::string::npos) << result.error;
  EXPECT_TRUE(result.outcomes.empty());
}

TEST(OutputDirectory, RecoversOnceTheDirectoryIsWritableAgain) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "s", clock, 7);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"r"});
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  std::filesystem::remove_all(directory.path() / "2026");  // someone cleans up under the relay
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kRetryableFailure);
  ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  EXPECT_EQ(objects_under(directory.path()).size(), 1U);
}

TEST(OutputDirectory, NoTemporaryFileIsLeftBehind) {
  TemporaryDirectory directory;
  ManualClock clock{kObjectTime};
  OutputDirectoryDestination destination(directory.path(), "s", clock, 7);
  const std::vector<deliver::OutgoingRecord> records = testing::outgoing({"a", "b"});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(destination.deliver(records).status, DeliveryResult::Status::kDelivered);
  for (const std::string& name : entry_names(directory.path() / "2026/03/01/17")) {
    EXPECT_NE(name.front(), '.') << name;
  }
}

}  // namespace
}  // namespace kinesyslog::deliver
