#include "deliver/delivery_loop.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/gzip_member.hpp"
#include "support/temporary_directory.hpp"
#include "core/clock.hpp"
#include "fake_destination.hpp"
#include "recorded_events.hpp"
#include "delivery_loop_fixture.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;
using spool::Spool;
using Status = DeliveryResult::Status;
using testing::entry_names;
using testing::gzip_member;
using testing::write_whole_file;
using testing::FakeDestination;
using testing::RecordedEvents;
using testing::TemporaryDirectory;

using testing_fixture::call_sizes;
using testing_fixture::DeliveryLoopTest;
using testing_fixture::eventually;
using testing_fixture::kMarch2026;
using testing_fixture::small_calls;

// The call is refused whole while it holds the poison record; splitting finds it.
TEST_F(DeliveryLoopTest, RecordThatMakesTheWholeCallInvalidIsIsolatedAndQuarantined) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls(9)), 1);
  start(loop);
  for (int i = 0; i < 4; ++i) publish(loop, "good " + std::to_string(i));
  const spool::SpoolFile poison = publish(loop, "poison");
  for (int i = 4; i < 8; ++i) publish(loop, "good " + std::to_string(i));
  destination_.otherwise(FakeDestination::refuse_call_holding([](std::string_view record) { return record == "poison"; }));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(events_->delivered(), 8U);
  EXPECT_EQ(events_->waiting(), 0U);
  // 9 refused → 4 accepted, 5 refused → 2 refused → poison alone refused, 1 accepted → 3 accepted.
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{9, 4, 5, 2, 1, 1, 3}));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(destination_.accepted()["good " + std::to_string(i)], 1) << i;
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{"quarantine"});
  EXPECT_EQ(entry_names(directory_.path() / "quarantine"), std::vector<std::string>{poison.name});
  EXPECT_EQ(spool_.quarantined_count(), 1U);
  EXPECT_EQ(events_->failed(), 1U);
  // Nothing is paused: the next record goes out with the next interval.
  publish(loop, "later");
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(destination_.accepted()["later"], 1);
}

// Firehose also answers InvalidArgumentException for reasons that concern the stream, not one
// record ("not permitted on KinesisStreamAsSource delivery stream type"): every part is refused.
TEST_F(DeliveryLoopTest, ACallRefusedWhateverItsSplitIsAFatalFailureThatQuarantinesNothing) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls(4)), 1);
  start(loop);
  for (const char* record : {"a", "b", "c", "d"}) publish(loop, record);
  destination_.otherwise([](std::span<const std::string_view>) {
    return DeliveryResult::invalid_call("InvalidArgumentException (HTTP 400): This operation is not permitted on "
                                        "KinesisStreamAsSource delivery stream type.");
  });
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(spool_.quarantined_count(), 0U);
  EXPECT_EQ(spooled(), 4U) << "every record stays in the spool";
  EXPECT_EQ(spool_.record_count(), 4U);
  EXPECT_EQ(events_->waiting(), 4U);
  EXPECT_EQ(events_->delivered(), 0U);
  // Paused for the backoff cap, as after a fatal failure; then the records go out again.
  const size_t calls = destination_.calls().size();
  clock_.advance(5min - 1s);
  loop.send_due();
  EXPECT_EQ(destination_.calls().size(), calls) << "paused";
  destination_.otherwise(nullptr);
  clock_.advance(1s);
  loop.send_due();
  EXPECT_EQ(events_->delivered(), 4U);
  EXPECT_EQ(spool_.quarantined_count(), 0U);
}

TEST(DeliveryLoop, ARecordOverFirehosesLimitRefusedAloneIsQuarantinedEvenWhenNothingIsAccepted) {
  TemporaryDirectory directory;
  ManualClock clock{kMarch2026};
  spool::SpoolOptions options;
  options.max_record_bytes = 2 * kFirehoseMaxRecordBytes;  // let it through the spool's own check
  Spool spool(directory.path(), clock, options);
  FakeDestination destination;
  destination.otherwise([](std::span<const std::string_view>) {
    return DeliveryResult::invalid_call("ValidationException (HTTP 400): Member must have length less than or equal to 1024000");
  });
  DeliveryOptions delivery_options = small_calls();
  const auto events = std::make_shared<RecordedEvents>();
  delivery_options.events = events;
  DeliveryLoop loop(spool, destination, clock, delivery_options, 1);
  loop.send_due();
  const spool::SpoolFile big = spool.publish(std::string(kFirehoseMaxRecordBytes + 1, 'x'));
  loop.notify_published(big);
  clock.advance(60s);
  loop.send_due();
  EXPECT_EQ(entry_names(directory.path() / "quarantine"), std::vector<std::string>{big.name});
  EXPECT_EQ(events->waiting(), 0U);
}

TEST_F(DeliveryLoopTest, WholeCallFailureWhileSplittingPausesTheRestOfTheCall) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls(4)), 1);
  start(loop);
  for (const char* record : {"a", "poison", "c", "d"}) publish(loop, record);
  destination_.then(FakeDestination::refuse_call_holding([](std::string_view record) { return record == "poison"; }));
  destination_.then(FakeDestination::fail_call(Status::kRetryableFailure));  // the first half: throttled
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{4, 2})) << "the second half waits for the pause";
  EXPECT_EQ(events_->waiting(), 4U);
  destination_.otherwise(FakeDestination::refuse_call_holding([](std::string_view record) { return record == "poison"; }));
  for (int step = 0; step < 100 && events_->waiting() > 0; ++step) {
    clock_.advance(1s);
    loop.send_due();
  }
  EXPECT_EQ(events_->delivered(), 3U);
  EXPECT_EQ(spool_.quarantined_count(), 1U);
}

TEST_F(DeliveryLoopTest, AHugeSparseFileInTheSpoolIsQuarantinedAndTheOthersGoOn) {
  const auto huge = directory_.path() / "firehose_event-0000000000000000001-0000001-000000000000";
  write_whole_file(huge, "");
  std::filesystem::resize_file(huge, uint64_t{1} << 40);
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  publish(loop, "good");
  EXPECT_NO_THROW(loop.send_due());
  EXPECT_EQ(events_->delivered(), 1U);
  EXPECT_EQ(entry_names(directory_.path() / "quarantine"), std::vector<std::string>{huge.filename().string()});
}

TEST_F(DeliveryLoopTest, FilesThatCannotBeARecordAreQuarantinedWhenRead) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  const spool::SpoolFile good = publish(loop, "good");
  const spool::SpoolFile swapped = publish(loop, "swapped");
  // Someone replaces one of our records with a truncated gzip after it was published.
  const std::string whole = gzip_member("a record cut short");
  write_whole_file(directory_.path() / "replacement", whole.substr(0, whole.size() - 4));
  std::filesystem::rename(directory_.path() / "replacement", directory_.path() / swapped.name);
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(destination_.calls(), (std::vector<std::vector<std::string>>{{"good"}}));
  EXPECT_EQ(entry_names(directory_.path() / "quarantine"), std::vector<std::string>{swapped.name});
  EXPECT_EQ(events_->waiting(), 0U);
}

// A call that hangs for more than 5 minutes while records wait.
TEST_F(DeliveryLoopTest, StalledWhenNoCallCompletesForFiveMinutesWhileRecordsWait) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  clock_.advance(1h);
  EXPECT_FALSE(loop.stalled()) << "nothing waits";
  publish(loop, "waits");
  EXPECT_FALSE(loop.stalled()) << "records just started waiting";
  bool stalled_during_call = false;
  bool stalled_early = true;
  destination_.then([&](std::span<const std::string_view> records) {
    clock_.advance(loop.stall_limit());
    stalled_early = loop.stalled();
    clock_.advance(1s);
    stalled_during_call = loop.stalled();
    return FakeDestination::accept_all(records);
  });
  clock_.advance(60s);
  loop.send_due();
  EXPECT_FALSE(stalled_early);
  EXPECT_TRUE(stalled_during_call);
  EXPECT_FALSE(loop.stalled()) << "the call completed";
}

// run() waits between passes without coming back for any fixed time: only a thread stuck
// inside one call or one spool read is stalled.
TEST_F(DeliveryLoopTest, ALongIntervalIsNoStall) {
  DeliveryOptions options = small_calls();
  options.interval = 10min;
  DeliveryLoop loop(spool_, destination_, clock_, observed(options), 1);
  start(loop);
  publish(loop, "waits for the interval");
  clock_.advance(9min);
  EXPECT_FALSE(loop.stalled()) << "the thread waits for the interval";
  clock_.advance(1min);
  loop.send_due();
  EXPECT_EQ(events_->delivered(), 1U);
}

TEST_F(DeliveryLoopTest, APauseOfTheBackoffCapAfterAFatalFailureIsNoStall) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "waits");
  destination_.then(FakeDestination::fail_call(Status::kFatalFailure));
  clock_.advance(60s);
  loop.send_due();
  clock_.advance(5min);  // the whole pause, without a pass
  EXPECT_FALSE(loop.stalled());
  loop.send_due();
  EXPECT_EQ(events_->delivered(), 1U);
}

TEST_F(DeliveryLoopTest, ACallHangingSixMinutesIsAStall) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "waits");
  bool stalled_during_call = false;
  destination_.then([&](std::span<const std::string_view> records) {
    clock_.advance(6min);
    stalled_during_call = loop.stalled();
    return FakeDestination::accept_all(records);
  });
  clock_.advance(60s);
  loop.send_due();
  EXPECT_TRUE(stalled_during_call);
  EXPECT_FALSE(loop.stalled());
}

TEST_F(DeliveryLoopTest, WaitingOnPurposeIsNoStall) {
  DeliveryOptions options = small_calls();
  options.interval = 10min;
  DeliveryLoop loop(spool_, destination_, clock_, observed(options), 1);
  start(loop);
  publish(loop, "waits for the interval");
  destination_.otherwise(FakeDestination::fail_call(Status::kFatalFailure));
  for (int minute = 0; minute < 30; ++minute) {
    clock_.advance(1min);
    loop.send_due();  // run() comes back at least every second
    EXPECT_FALSE(loop.stalled()) << minute;
  }
  EXPECT_EQ(destination_.calls().size(), 5U) << "at the interval (10 min), then a retry every 5 minutes";
}

// Its calls throw, and so does building its description for the log line that reports it (no
// memory left): the exception leaves send_call after the call's records left the ready queue.
class FailingWhileReportingDestination final : public Destination {
 public:
  using Destination::deliver;
  DeliveryResult deliver(std::span<const deliver::OutgoingRecord> records,
                         std::chrono::milliseconds time_limit) override {
    if (failures_left_ > 0) throw std::runtime_error("the connection pool is gone");
    return fake.deliver(records, time_limit);
  }
  std::string_view describe() const override {
    if (failures_left_ > 0) {
      --failures_left_;
      throw std::bad_alloc();
    }
    return "a destination that failed once";
  }
  FakeDestination fake;

 private:
  mutable int failures_left_ = 1;
};

TEST_F(DeliveryLoopTest, RecordsOfACallThatThrowsAreRetriedNotStranded) {
  FailingWhileReportingDestination destination;
  DeliveryLoop loop(spool_, destination, clock_, observed(small_calls()), 1);
  start(loop);
  for (const char* record : {"x", "y", "z"}) loop.notify_published(spool_.publish(record));
  clock_.advance(60s);
  EXPECT_THROW(loop.send_due(), std::bad_alloc);  // run() and drain() log it and carry on
  EXPECT_EQ(events_->waiting(), 3U);
  for (int second = 0; second < 600 && events_->delivered() < 3; ++second) {
    clock_.advance(1s);
    loop.send_due();
  }
  EXPECT_EQ(events_->delivered(), 3U);
  EXPECT_EQ(destination.fake.calls(), (std::vector<std::vector<std::string>>{{"x", "y", "z"}}));
  EXPECT_EQ(spooled(), 0U);
}

// Observers that fail: the first call's start, and every delivered record.
class ThrowingEvents final : public RecordedEvents {
 public:
  void call_starting(size_t records, uint64_t bytes) override {
    RecordedEvents::call_starting(records, bytes);
    if (calls() == 1) throw std::bad_alloc();
  }
  void record_delivered(uint64_t, WallTime) override { throw std::length_error("an observer failed"); }
};

TEST(DeliveryLoop, NothingThrownWhileSendingEscapesTheDeliveryThread) {
  TemporaryDirectory directory;
  const Clock& clock = SystemClock::instance();
  Spool spool(directory.path(), clock);
  FakeDestination destination;
  DeliveryOptions options = small_calls();
  options.interval = 20ms;
  options.retry_base = 1ms;
  options.retry_cap = 10ms;
  const auto events = std::make_shared<ThrowingEvents>();
  options.events = events;
  DeliveryLoop loop(spool, destination, clock, options, 1);
  destination.then([](std::span<const std::string_view>) -> DeliveryResult { throw std::bad_alloc(); });
  std::jthread delivery([&loop](std::stop_token stop) { loop.run(stop); });
  for (const char* record : {"x", "y", "z"}) loop.notify_published(spool.publish(record));
  EXPECT_TRUE(eventually([&] { return events->delivered() == 3; }));
  EXPECT_TRUE(entry_names(directory.path()).empty());
}

}  // namespace
}  // namespace kinesyslog::deliver
