#include "deliver/delivery_loop.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "delivery_loop_fixture.hpp"
#include "fake_destination.hpp"
#include "recorded_events.hpp"
#include "spool/spool.hpp"
#include "support/gzip_member.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;
using spool::Spool;
using Status = DeliveryResult::Status;
using testing::entry_names;
using testing::FakeDestination;
using testing::gzip_member;
using testing::RecordedEvents;
using testing::TemporaryDirectory;
using testing::write_whole_file;

using testing_fixture::call_sizes;
using testing_fixture::DeliveryLoopTest;
using testing_fixture::eventually;
using testing_fixture::kMarch2026;
using testing_fixture::small_calls;

TEST_F(DeliveryLoopTest, SpoolLeftoversAreDeliveredAtStart) {
  for (const char* record : {"left", "over", "s"}) {
    spool_.publish(record);
    clock_.advance(1s);
  }
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  EXPECT_EQ(events_->waiting(), 3U);
  loop.send_due();
  ASSERT_EQ(destination_.calls().size(), 1U);
  EXPECT_EQ(destination_.calls()[0], (std::vector<std::string>{"left", "over", "s"}));
  EXPECT_EQ(spooled(), 0U);
}

TEST_F(DeliveryLoopTest, NothingIsSentBeforeTheInterval) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "waits");
  clock_.advance(59s);
  loop.send_due();
  EXPECT_TRUE(destination_.calls().empty());
  clock_.advance(1s);
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), std::vector<size_t>{1});
}

TEST_F(DeliveryLoopTest, FiveHundredWaitingRecordsAreSentWithoutWaitingForTheInterval) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(DeliveryOptions{}), 1);
  start(loop);
  for (int i = 0; i < 499; ++i) publish(loop, std::to_string(i));
  loop.send_due();
  EXPECT_TRUE(destination_.calls().empty());
  publish(loop, "the 500th");
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), std::vector<size_t>{500});
}

TEST_F(DeliveryLoopTest, CallsHoldAtMost500Records) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(DeliveryOptions{}), 1);
  start(loop);
  for (int i = 0; i < 1001; ++i) publish(loop, std::to_string(i));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{500, 500, 1}));
  EXPECT_EQ(spooled(), 0U);
}

TEST_F(DeliveryLoopTest, CallsHoldAtMost4MiBOfRecordData) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(DeliveryOptions{}), 1);
  start(loop);
  // Four records of the largest size (1,024,000 bytes) fit in 4 MiB; the fifth goes in the next call.
  for (char fill : {'a', 'b', 'c', 'd', 'e'}) publish(loop, std::string(1'024'000, fill));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{4, 1}));
}

TEST_F(DeliveryLoopTest, RecordsAreSentOldestFirst) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  std::vector<spool::SpoolFile> files;
  for (const char* record : {"oldest", "middle", "newest"}) {
    files.push_back(spool_.publish(record));
    clock_.advance(1s);
  }
  for (auto file = files.rbegin(); file != files.rend(); ++file) loop.notify_published(*file);
  clock_.advance(60s);
  loop.send_due();
  ASSERT_EQ(destination_.calls().size(), 1U);
  EXPECT_EQ(destination_.calls()[0], (std::vector<std::string>{"oldest", "middle", "newest"}));
}

// Kinesis Data Streams shards by the partition key: a record's source address, or for a file
// that carries none (one the original relay left) its spool file name.
TEST_F(DeliveryLoopTest, EachRecordGoesOutWithItsSourceAsPartitionKey) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  spool::SpoolFile routed = spool_.publish("from a host");
  routed.source = "2001:db8::17";
  loop.notify_published(routed);
  const spool::SpoolFile unrouted = publish(loop, "from nowhere known");
  clock_.advance(60s);
  loop.send_due();
  ASSERT_EQ(destination_.partition_keys().size(), 1U);
  EXPECT_EQ(destination_.partition_keys()[0], (std::vector<std::string>{"2001:db8::17", unrouted.name}));
}

TEST_F(DeliveryLoopTest, SpoolFileIsRemovedOnlyWhenAccepted) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "accepted");
  const spool::SpoolFile rejected = publish(loop, "rejected");
  destination_.then(FakeDestination::reject_if([](std::string_view record) { return record == "rejected"; }));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(entry_names(directory_.path()), std::vector<std::string>{rejected.name});
}

TEST_F(DeliveryLoopTest, RejectedRecordsAreRetriedUntilEachIsDeliveredExactlyOnce) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  std::vector<std::string> records;
  for (int i = 0; i < 12; ++i) {
    records.push_back("record " + std::to_string(i));
    publish(loop, records.back());
  }
  const auto reject_odd = [](std::string_view record) { return (record.back() - '0') % 2 == 1; };
  destination_.then(FakeDestination::reject_if(reject_odd));
  destination_.then(FakeDestination::reject_if(reject_odd));
  destination_.then(FakeDestination::reject_if([](std::string_view record) { return record == "record 11"; }));
  clock_.advance(60s);
  for (int step = 0; step < 600 && events_->waiting() > 0; ++step) {
    loop.send_due();
    clock_.advance(1s);
  }
  EXPECT_EQ(events_->waiting(), 0U);
  const auto accepted = destination_.accepted();
  EXPECT_EQ(accepted.size(), records.size());
  for (const std::string& record : records) EXPECT_EQ(accepted.count(record) ? accepted.at(record) : 0, 1) << record;
  EXPECT_EQ(spooled(), 0U);
  EXPECT_EQ(events_->delivered(), 12U);
}

TEST_F(DeliveryLoopTest, WholeCallFailureIsRetriedWithinTheBackoffCeiling) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "a");
  publish(loop, "b");
  for (int i = 0; i < 3; ++i) destination_.then(FakeDestination::fail_call(Status::kRetryableFailure));
  clock_.advance(60s);
  loop.send_due();
  ASSERT_EQ(destination_.calls().size(), 1U);
  for (int failure = 0; failure < 3; ++failure) {
    const auto ceiling = std::chrono::seconds(1 << failure);  // base 1 s · 2^failure
    const SteadyTime failed_at = clock_.steady_now();
    const size_t calls_before = destination_.calls().size();
    while (destination_.calls().size() == calls_before && clock_.steady_now() - failed_at <= ceiling) {
      loop.send_due();
      if (destination_.calls().size() == calls_before) clock_.advance(10ms);
    }
    EXPECT_EQ(destination_.calls().size(), calls_before + 1)
        << "retry " << failure << " not within " << ceiling.count() << " s";
  }
  EXPECT_EQ(events_->waiting(), 0U);
  EXPECT_EQ(events_->failed(), 6U);
  EXPECT_EQ(destination_.accepted(), (std::map<std::string, int>{{"a", 1}, {"b", 1}}));
  EXPECT_EQ(spooled(), 0U);
}

TEST_F(DeliveryLoopTest, FatalFailureKeepsTheFilesAndRetriesAtTheCap) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "kept");
  destination_.then(FakeDestination::fail_call(Status::kFatalFailure));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(spooled(), 1U);
  publish(loop, "also waits");
  clock_.advance(5min - 1ms);  // past the interval too: the pause holds every call
  loop.send_due();
  EXPECT_EQ(destination_.calls().size(), 1U);
  clock_.advance(1ms);
  loop.send_due();
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(spooled(), 0U);
}

TEST_F(DeliveryLoopTest, WrongNumberOfOutcomesKeepsEveryFile) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "a");
  publish(loop, "b");
  destination_.then(
      [](std::span<const std::string_view>) { return DeliveryResult::delivered({RecordOutcome::accept("only one")}); });
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(spooled(), 2U);
  EXPECT_EQ(events_->failed(), 2U);
}

TEST_F(DeliveryLoopTest, VanishedSpoolFileIsForgottenWithoutACall) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  const spool::SpoolFile file = publish(loop, "deleted by hand");
  std::filesystem::remove(directory_.path() / file.name);
  clock_.advance(60s);
  loop.send_due();
  EXPECT_TRUE(destination_.calls().empty());
  EXPECT_EQ(events_->waiting(), 0U);
}

TEST_F(DeliveryLoopTest, CountersTrackCallsRecordsAndTheOldestWaitingAge) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  publish(loop, "accepted");
  clock_.advance(10s);
  publish(loop, "rejected");
  clock_.advance(50s);
  EXPECT_EQ(events_->waiting(), 2U);
  EXPECT_EQ(loop.oldest_waiting_age(), 60s);
  destination_.then(FakeDestination::reject_if([](std::string_view record) { return record == "rejected"; }));
  loop.send_due();
  EXPECT_EQ(events_->calls(), 1U);
  EXPECT_EQ(events_->delivered(), 1U);
  EXPECT_EQ(events_->failed(), 1U);
  EXPECT_EQ(events_->waiting(), 1U);
  EXPECT_EQ(loop.oldest_waiting_age(), 50s);
}

TEST_F(DeliveryLoopTest, DrainDeliversEverythingWaitingAtOnce) {
  DeliveryLoop loop(spool_, destination_, clock_, observed(small_calls()), 1);
  start(loop);
  for (int i = 0; i < 12; ++i) publish(loop, std::to_string(i));
  EXPECT_TRUE(loop.drain(clock_.steady_now() + 8s));
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{5, 5, 2}));
  EXPECT_EQ(spooled(), 0U);
}

TEST(DeliveryLoop, DrainEndsWhenNoCallCanGoOutBeforeTheDeadlineAndLeavesTheRestInTheSpool) {
  TemporaryDirectory directory;
  const Clock& clock = SystemClock::instance();
  Spool spool(directory.path(), clock);
  FakeDestination destination;
  destination.then(FakeDestination::fail_call(Status::kFatalFailure));
  DeliveryLoop loop(spool, destination, clock, small_calls(), 1);
  loop.notify_published(spool.publish("undeliverable"));
  const SteadyTime deadline = clock.steady_now() + 60s;
  EXPECT_FALSE(loop.drain(deadline));
  EXPECT_LT(clock.steady_now(), deadline) << "the pause after the failure outlasts the deadline: no use waiting";
  EXPECT_EQ(destination.calls().size(), 1U) << "a fatal failure pauses calls for the cap, drain included";
  EXPECT_EQ(entry_names(directory.path()).size(), 1U);
}

TEST(DeliveryLoop, RunSendsWhatWaitsEveryInterval) {
  TemporaryDirectory directory;
  const Clock& clock = SystemClock::instance();
  Spool spool(directory.path(), clock);
  FakeDestination destination;
  DeliveryOptions options = small_calls();
  options.interval = 20ms;
  const auto events = std::make_shared<RecordedEvents>();
  options.events = events;
  DeliveryLoop loop(spool, destination, clock, options, 1);
  std::jthread delivery([&loop](std::stop_token stop) { loop.run(stop); });
  for (const char* record : {"x", "y", "z"}) loop.notify_published(spool.publish(record));
  EXPECT_TRUE(eventually([&] { return events->delivered() == 3; }));
  EXPECT_EQ(destination.accepted(), (std::map<std::string, int>{{"x", 1}, {"y", 1}, {"z", 1}}));
}

TEST(DeliveryLoop, RunWakesAsSoonAsFiveHundredWait) {
  TemporaryDirectory directory;
  const Clock& clock = SystemClock::instance();
  Spool spool(directory.path(), clock);
  FakeDestination destination;
  DeliveryOptions options;
  options.interval = 1h;
  DeliveryLoop loop(spool, destination, clock, options, 1);
  loop.send_due();  // the start-up pass is over: the next interval is an hour away
  std::jthread delivery([&loop](std::stop_token stop) { loop.run(stop); });
  for (int i = 0; i < 500; ++i) loop.notify_published(spool.publish(std::to_string(i)));
  EXPECT_TRUE(eventually([&] { return destination.calls().size() == 1; }));
  EXPECT_EQ(call_sizes(destination), std::vector<size_t>{500});
}

TEST(DeliveryLoop, ShutdownSequenceDeliversEveryPublishedRecordOnce) {
  TemporaryDirectory directory;
  const Clock& clock = SystemClock::instance();
  Spool spool(directory.path(), clock);
  FakeDestination destination;
  DeliveryOptions options = small_calls(7);
  options.interval = 1h;
  DeliveryLoop loop(spool, destination, clock, options, 1);
  std::jthread delivery([&loop](std::stop_token stop) { loop.run(stop); });
  {
    // Encoder threads publish the last batches while the loop runs (and sends full calls).
    std::vector<std::jthread> encoders;
    for (int t = 0; t < 3; ++t) {
      encoders.emplace_back([&loop, &spool, t] {
        for (int i = 0; i < 20; ++i) loop.notify_published(spool.publish(std::to_string(t) + "/" + std::to_string(i)));
      });
    }
  }
  delivery.request_stop();
  delivery.join();
  EXPECT_TRUE(loop.drain(clock.steady_now() + 8s));
  const auto accepted = destination.accepted();
  EXPECT_EQ(accepted.size(), 60U);
  for (const auto& [record, times] : accepted) EXPECT_EQ(times, 1) << record;
  EXPECT_TRUE(entry_names(directory.path()).empty());
}

// Leftovers of an earlier run, written straight into the directory (no fsync, so thousands
// are cheap); each is a real gzip member, since files this process did not write are checked.
void write_leftovers(const std::filesystem::path& directory, int count) {
  for (int i = 0; i < count; ++i) {
    write_whole_file(
        directory / fmt::format("firehose_event-{:019}-0000001-{:012}", 1'700'000'000'000'000'000LL + i, i),
        gzip_member("leftover " + std::to_string(i)));
  }
}

// A destination answer that moves the test's clock as a slow call would.
FakeDestination::Answer taking(ManualClock& clock, std::chrono::nanoseconds duration) {
  return [&clock, duration](std::span<const std::string_view> records) {
    clock.advance(duration);
    return FakeDestination::accept_all(records);
  };
}

// A backlog of 10 full calls, each taking 2 s; the shutdown budget is 8 s.
TEST_F(DeliveryLoopTest, DrainStopsBetweenCallsAtTheDeadline) {
  write_leftovers(directory_.path(), 5000);
  DeliveryLoop loop(spool_, destination_, clock_, observed(DeliveryOptions{}), 1);
  destination_.otherwise(taking(clock_, 2s));
  const SteadyTime deadline = clock_.steady_now() + 8s;
  EXPECT_FALSE(loop.drain(deadline));
  // Each call's transport timeout ends at the deadline: 8 s, then 6 s left. With 4 s left, no
  // third call starts: calls have taken 2 s, and one may well take twice that (call_durations.hpp).
  EXPECT_EQ(call_sizes(destination_), (std::vector<size_t>{500, 500}));
  EXPECT_EQ(destination_.time_limits(), (std::vector<std::chrono::milliseconds>{8s, 6s}));
  EXPECT_EQ(events_->waiting(), 4000U);
  EXPECT_EQ(spooled(), 4000U) << "what was not sent stays in the spool";
}

// A call cut off by its time limit may still have reached the destination, which keeps its
// records; only the answer is lost. Its files stay in the spool, so the next start would send
// them again: draining must not start a call it cannot expect to end before the deadline.
TEST_F(DeliveryLoopTest, DrainStartsNoCallThatWouldBeCutOffAtTheDeadline) {
  write_leftovers(directory_.path(), 5000);
  std::map<std::string, int> stored;  // what reached the destination, answered or not
  destination_.otherwise([this, &stored](std::span<const std::string_view> records) {
    clock_.advance(3s);
    for (std::string_view record : records) ++stored[std::string(record)];
    if (destination_.time_limits().back() < 3s) return DeliveryResult::retryable_failure("timed out (no answer)");
    return FakeDestination::accept_all(records);
  });
  {
    DeliveryLoop first_run(spool_, destination_, clock_, observed(DeliveryOptions{}), 1);
    EXPECT_FALSE(first_run.drain(clock_.steady_now() + 8s));
  }
  DeliveryLoop next_start(spool_, destination_, clock_, DeliveryOptions{}, 2);
  EXPECT_TRUE(next_start.drain(clock_.steady_now() + 1h));
  EXPECT_EQ(spooled(), 0U);
  EXPECT_EQ(stored.size(), 5000U);
  size_t twice = 0;
  for (const auto& [record, times] : stored) twice += times > 1 ? 1 : 0;
  EXPECT_EQ(twice, 0U) << "records of a call cut off at the deadline were sent again by the next start";
}

TEST_F(DeliveryLoopTest, RunReturnsAfterTheCallInFlightOnceStopIsRequested) {
  write_leftovers(directory_.path(), 5000);
  DeliveryLoop loop(spool_, destination_, clock_, observed(DeliveryOptions{}), 1);
  std::stop_source stop;
  destination_.then([&stop](std::span<const std::string_view> records) {
    stop.request_stop();
    return FakeDestination::accept_all(records);
  });
  loop.run(stop.get_token());
  EXPECT_EQ(call_sizes(destination_), std::vector<size_t>{500});
  EXPECT_EQ(destination_.time_limits(), std::vector<std::chrono::milliseconds>{kNoTimeLimit});
  EXPECT_EQ(events_->waiting(), 4500U);
}

}  // namespace
}  // namespace kinesyslog::deliver
