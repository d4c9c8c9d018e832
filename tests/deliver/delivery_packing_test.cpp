// --pack-records: several spool files go out as one record, and each file's fate is its record's.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/record.hpp"
#include "deliver/delivery_loop.hpp"
#include "delivery_loop_fixture.hpp"
#include "fake_destination.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;
using testing::entry_names;
using testing::FakeDestination;
using testing_fixture::call_sizes;
using testing_fixture::DeliveryLoopTest;
using testing_fixture::small_calls;

DeliveryOptions packing(size_t max_records = 500) {
  DeliveryOptions options = small_calls(max_records);
  options.pack_record_bytes = kFirehoseMaxRecordBytes;
  return options;
}

bool holds(std::string_view record, std::string_view text) { return record.find(text) != std::string_view::npos; }

TEST_F(DeliveryLoopTest, PackedFilesGoOutAsOneRecordInSpoolOrderAndAreAllRemoved) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(packing()), 1);
  start(loop);
  std::vector<WallTime> received;
  for (const char* record : {"one.", "two.", "three."}) {
    received.push_back(clock_.now());
    publish(loop, record);
    clock_.advance(1s);
  }
  clock_.advance(60s);
  loop.send_due();
  ASSERT_EQ(destination_.calls().size(), 1U);
  EXPECT_EQ(destination_.calls()[0], std::vector<std::string>{"one.two.three."});
  EXPECT_EQ(spooled(), 0U);
  EXPECT_EQ(events_->delivered(), 3U);
  // One record of 14 bytes went out; the latency and size of each file are still its own.
  EXPECT_EQ(events_->call_sizes(), (std::vector<std::pair<size_t, uint64_t>>{{1, 14}}));
  const auto delivered = events_->delivered_records();
  ASSERT_EQ(delivered.size(), 3U);
  EXPECT_EQ(delivered[0], std::make_pair(uint64_t{4}, received[0]));
  EXPECT_EQ(delivered[1], std::make_pair(uint64_t{4}, received[1]));
  EXPECT_EQ(delivered[2], std::make_pair(uint64_t{6}, received[2]));
}

TEST_F(DeliveryLoopTest, APackedRecordNeverPassesFirehosesRecordLimit) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(packing()), 1);
  start(loop);
  // 500,000 + 500,000 fit in 1,024,000; the third starts the next record, and so does the 25,000
  // after 1,000,000. All of it is under 4 MiB: one call.
  for (char fill : {'a', 'b', 'c', 'd'}) publish(loop, std::string(500'000, fill));
  publish(loop, std::string(24'001, 'e'));
  publish(loop, std::string(23'999, 'f'));
  clock_.advance(60s);
  loop.send_due();
  const auto calls = destination_.calls();
  ASSERT_EQ(calls.size(), 1U);
  std::vector<size_t> lengths;
  for (const std::string& record : calls[0]) lengths.push_back(record.size());
  EXPECT_EQ(lengths, (std::vector<size_t>{1'000'000, 1'000'000, 24'001 + 23'999}));
  EXPECT_EQ(spooled(), 0U);
}

TEST_F(DeliveryLoopTest, APackedCallHoldsAtMostTheRecordsPerCallLimitAndAtMost4MiB) {
  DeliveryOptions options = packing(2);
  DeliveryLoop loop(spool_, destination_, clock_, observed(options), 1);
  start(loop);
  // Two packed records of two files each make a full call; the fifth file waits for the next.
  for (char fill : {'a', 'b', 'c', 'd', 'e'}) publish(loop, std::string(400'000, fill));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{2, 1}));
  EXPECT_EQ(destination_.calls()[0][0].size(), 800'000U);

  // Records of a million bytes go one per packed record; four of them fill 4 MiB of data.
  DeliveryLoop big(spool_, destination_, clock_, observed(packing()), 1);
  start(big);
  for (char fill : {'f', 'g', 'h', 'i', 'j'}) publish(big, std::string(1'000'000, fill));
  clock_.advance(60s);
  big.send_due();
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{2, 1, 4, 1}));
}

TEST_F(DeliveryLoopTest, ARejectedPackedRecordKeepsEveryFileItHoldsUntilTheyAreAccepted) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(packing(3)), 1);
  start(loop);
  // 3 bytes each: packing 1,024,000 bytes puts all of them in one record.
  for (const char* record : {"a1.", "b2.", "c3."}) publish(loop, record);
  destination_.then(FakeDestination::reject_if([](std::string_view record) { return holds(record, "b2."); }));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(spooled(), 3U) << "no file of a rejected record is removed";
  EXPECT_EQ(events_->delivered(), 0U);
  EXPECT_EQ(events_->failed(), 3U);
  clock_.advance(5min);
  loop.send_due();
  EXPECT_EQ(spooled(), 0U);
  EXPECT_EQ(events_->delivered(), 3U);
  EXPECT_EQ(destination_.calls(), (std::vector<std::vector<std::string>>{{"a1.b2.c3."}, {"a1.b2.c3."}}));
  EXPECT_EQ(destination_.accepted(), (std::map<std::string, int>{{"a1.b2.c3.", 1}}));
}

TEST_F(DeliveryLoopTest, APackedRecordRefusedAsMalformedIsSentUnpackedSoOnlyTheFileAtFaultIsQuarantined) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(packing()), 1);
  start(loop);
  std::vector<spool::SpoolFile> files;
  for (int i = 0; i < 8; ++i) files.push_back(publish(loop, i == 4 ? "poison." : "good" + std::to_string(i) + "."));
  destination_.otherwise(
      FakeDestination::refuse_call_holding([](std::string_view record) { return holds(record, "poison"); }));
  clock_.advance(60s);
  loop.send_due();
  // The packed record alone is refused → its 8 files as 8 records are refused → 4 accepted,
  // 4 refused → 2 refused → poison alone refused, 1 accepted → 2 accepted.
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{1, 8, 4, 4, 2, 1, 1, 2}));
  for (int i = 0; i < 8; ++i) {
    if (i != 4) {
      EXPECT_EQ(destination_.accepted()["good" + std::to_string(i) + "."], 1) << i;
    }
  }
  EXPECT_EQ(entry_names(directory_.path() / "quarantine"), std::vector<std::string>{files[4].name});
  EXPECT_EQ(spool_.quarantined_count(), 1U);
  EXPECT_EQ(events_->delivered(), 7U);
  EXPECT_EQ(events_->waiting(), 0U);
}

TEST_F(DeliveryLoopTest, AnUnpackedRecordGoesOutInCallsWithinTheRecordsPerCallLimit) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(packing(3)), 1);
  start(loop);
  std::vector<spool::SpoolFile> files;
  for (int i = 0; i < 7; ++i) files.push_back(publish(loop, i == 6 ? "poison." : "good" + std::to_string(i) + "."));
  destination_.otherwise(
      FakeDestination::refuse_call_holding([](std::string_view record) { return holds(record, "poison"); }));
  clock_.advance(60s);
  loop.send_due();
  // One packed record refused alone; its seven files go out as calls of 3, 3 and 1 records.
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{1, 3, 3, 1}));
  EXPECT_EQ(entry_names(directory_.path() / "quarantine"), std::vector<std::string>{files[6].name});
  EXPECT_EQ(events_->delivered(), 6U);
}

// As without packing: a refusal about the stream (every part refused) quarantines nothing.
TEST_F(DeliveryLoopTest, APackedCallRefusedWhateverItsSplitQuarantinesNothing) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(packing()), 1);
  start(loop);
  for (const char* record : {"a", "b", "c"}) publish(loop, record);
  destination_.otherwise([](std::span<const std::string_view>) {
    return DeliveryResult::invalid_call("InvalidArgumentException (HTTP 400): not permitted");
  });
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{1, 3, 1, 2, 1, 1}));
  EXPECT_EQ(spool_.quarantined_count(), 0U);
  EXPECT_EQ(spooled(), 3U);
  EXPECT_EQ(events_->delivered(), 0U);
}

TEST_F(DeliveryLoopTest, AWholeFailedPackedCallKeepsEveryFile) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(packing()), 1);
  start(loop);
  for (const char* record : {"a", "b", "c"}) publish(loop, record);
  destination_.then(FakeDestination::fail_call(DeliveryResult::Status::kRetryableFailure));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(spooled(), 3U);
  clock_.advance(5min);
  loop.send_due();
  EXPECT_EQ(spooled(), 0U);
  EXPECT_EQ(destination_.calls(), (std::vector<std::vector<std::string>>{{"abc"}, {"abc"}}));
}

}  // namespace
}  // namespace kinesyslog::deliver
