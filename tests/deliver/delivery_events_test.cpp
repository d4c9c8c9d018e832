#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temporary_directory.hpp"
#include "core/clock.hpp"
#include "deliver/delivery_loop.hpp"
#include "fake_destination.hpp"
#include "recorded_events.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;
using testing::FakeDestination;
using testing::RecordedEvents;
using testing::TemporaryDirectory;

const WallTime kStart = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}};

class DeliveryEventsTest : public ::testing::Test {
 protected:
  DeliveryOptions options() {
    DeliveryOptions options;
    options.interval = 60s;
    options.events = events_;
    return options;
  }

  TemporaryDirectory directory_;
  ManualClock clock_{kStart};
  spool::Spool spool_{directory_.path(), clock_};
  FakeDestination destination_;
  std::shared_ptr<RecordedEvents> events_ = std::make_shared<RecordedEvents>();
};

TEST_F(DeliveryEventsTest, AcceptedRecordsReportTheirSizeAndFirstReceiveTime) {
  DeliveryLoop loop(spool_, destination_, clock_, options(), 1);
  loop.send_due();
  loop.notify_published(spool_.publish("abc"), kStart - 30s);
  loop.notify_published(spool_.publish("defgh"));  // no receive time given: the file's creation time
  clock_.advance(60s);
  loop.send_due();
  const auto calls = events_->call_sizes();
  const auto accepted = events_->delivered_records();
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0], (std::pair<size_t, uint64_t>{2, 8}));
  ASSERT_EQ(accepted.size(), 2U);
  EXPECT_EQ(accepted[0], (std::pair<uint64_t, WallTime>{3, kStart - 30s}));
  EXPECT_EQ(accepted[1], (std::pair<uint64_t, WallTime>{5, kStart}));
  EXPECT_TRUE(events_->failure_messages().empty());
}

TEST_F(DeliveryEventsTest, RejectedRecordsReportTheDestinationsErrorMessage) {
  destination_.then(FakeDestination::reject_if([](std::string_view record) { return record == "no"; }));
  DeliveryLoop loop(spool_, destination_, clock_, options(), 1);
  loop.send_due();
  loop.notify_published(spool_.publish("no"));
  loop.notify_published(spool_.publish("yes"));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(events_->failure_messages(), std::vector<std::string>{"Slow down."});
  EXPECT_EQ(events_->delivered_records().size(), 1U);
}

TEST_F(DeliveryEventsTest, AWholeFailedCallReportsEveryRecordWithTheCallsError) {
  destination_.then(FakeDestination::fail_call(DeliveryResult::Status::kRetryableFailure));
  DeliveryLoop loop(spool_, destination_, clock_, options(), 1);
  loop.send_due();
  loop.notify_published(spool_.publish("a"));
  loop.notify_published(spool_.publish("b"));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(events_->failure_messages(), (std::vector<std::string>{"the fake says no", "the fake says no"}));
  EXPECT_TRUE(events_->delivered_records().empty());
}

}  // namespace
}  // namespace kinesyslog::deliver
