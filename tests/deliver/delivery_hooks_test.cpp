#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temporary_directory.hpp"
#include "core/clock.hpp"
#include "deliver/delivery_loop.hpp"
#include "fake_destination.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::deliver {
namespace {

using namespace std::chrono_literals;
using testing::FakeDestination;
using testing::TemporaryDirectory;

const WallTime kStart = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}};

// What the hooks saw, in order.
struct Observed {
  std::vector<std::pair<size_t, uint64_t>> calls;
  std::vector<std::pair<uint64_t, WallTime>> accepted;
  std::vector<std::string> failed;

  DeliveryHooks hooks() {
    DeliveryHooks hooks;
    hooks.call_sent = [this](size_t records, uint64_t bytes) { calls.emplace_back(records, bytes); };
    hooks.record_accepted = [this](uint64_t bytes, WallTime first) { accepted.emplace_back(bytes, first); };
    hooks.record_failed = [this](std::string_view message) { failed.emplace_back(message); };
    return hooks;
  }
};

class DeliveryHooksTest : public ::testing::Test {
 protected:
  DeliveryOptions options() {
    DeliveryOptions options;
    options.interval = 60s;
    options.hooks = observed_.hooks();
    return options;
  }

  TemporaryDirectory directory_;
  ManualClock clock_{kStart};
  spool::Spool spool_{directory_.path(), clock_};
  FakeDestination destination_;
  Observed observed_;
};

TEST_F(DeliveryHooksTest, AcceptedRecordsReportTheirSizeAndFirstReceiveTime) {
  DeliveryLoop loop(spool_, destination_, clock_, options(), 1);
  loop.send_due();
  loop.notify_published(spool_.publish("abc"), kStart - 30s);
  loop.notify_published(spool_.publish("defgh"));  // no receive time given: the file's creation time
  clock_.advance(60s);
  loop.send_due();
  ASSERT_EQ(observed_.calls.size(), 1U);
  EXPECT_EQ(observed_.calls[0], (std::pair<size_t, uint64_t>{2, 8}));
  ASSERT_EQ(observed_.accepted.size(), 2U);
  EXPECT_EQ(observed_.accepted[0], (std::pair<uint64_t, WallTime>{3, kStart - 30s}));
  EXPECT_EQ(observed_.accepted[1], (std::pair<uint64_t, WallTime>{5, kStart}));
  EXPECT_TRUE(observed_.failed.empty());
}

TEST_F(DeliveryHooksTest, RejectedRecordsReportTheDestinationsErrorMessage) {
  destination_.then(FakeDestination::reject_if([](std::string_view record) { return record == "no"; }));
  DeliveryLoop loop(spool_, destination_, clock_, options(), 1);
  loop.send_due();
  loop.notify_published(spool_.publish("no"));
  loop.notify_published(spool_.publish("yes"));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(observed_.failed, std::vector<std::string>{"Slow down."});
  EXPECT_EQ(observed_.accepted.size(), 1U);
}

TEST_F(DeliveryHooksTest, AWholeFailedCallReportsEveryRecordWithTheCallsError) {
  destination_.then(FakeDestination::fail_call(DeliveryResult::Status::kRetryableFailure));
  DeliveryLoop loop(spool_, destination_, clock_, options(), 1);
  loop.send_due();
  loop.notify_published(spool_.publish("a"));
  loop.notify_published(spool_.publish("b"));
  clock_.advance(60s);
  loop.send_due();
  EXPECT_EQ(observed_.failed, (std::vector<std::string>{"the fake says no", "the fake says no"}));
  EXPECT_TRUE(observed_.accepted.empty());
}

}  // namespace
}  // namespace kinesyslog::deliver
