#pragma once
// The delivery loop's test fixture: a spool and a fake destination in a fresh directory, on a
// clock the test drives.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "deliver/delivery_loop.hpp"
#include "fake_destination.hpp"
#include "recorded_events.hpp"
#include "spool/spool.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::deliver::testing_fixture {

using namespace std::chrono_literals;
using testing::FakeDestination;
using testing::RecordedEvents;
using testing::TemporaryDirectory;
using testing::entry_names;
using spool::Spool;

inline const WallTime kMarch2026 = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 17h;

inline DeliveryOptions small_calls(size_t max_records = 5) {
  DeliveryOptions options;
  options.interval = 60s;
  options.max_records_per_call = max_records;
  options.retry_base = 1s;
  options.retry_cap = 5min;
  return options;
}

inline std::vector<size_t> call_sizes(const FakeDestination& destination) {
  std::vector<size_t> sizes;
  for (const auto& call : destination.calls()) sizes.push_back(call.size());
  return sizes;
}

// Polls a condition another thread makes true; fails the test after `limit`.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 10s) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A spool and a fake destination in a fresh directory, on a clock the test drives.
class DeliveryLoopTest : public ::testing::Test {
 protected:
  // An encoder's publish: into the spool, then told to the loop.
  spool::SpoolFile publish(DeliveryLoop& loop, const std::string& record) {
    spool::SpoolFile file = spool_.publish(record);
    loop.notify_published(file);
    return file;
  }
  // Lets the first pass (due at once, for leftovers) consume the interval tick.
  void start(DeliveryLoop& loop) { loop.send_due(); }
  size_t spooled() { return entry_names(directory_.path()).size(); }
  // `options`, reporting to events_.
  DeliveryOptions observed(DeliveryOptions options) {
    options.events = events_;
    return options;
  }

  TemporaryDirectory directory_;
  ManualClock clock_{kMarch2026};
  Spool spool_{directory_.path(), clock_};
  FakeDestination destination_;
  std::shared_ptr<RecordedEvents> events_ = std::make_shared<RecordedEvents>();
};

}  // namespace kinesyslog::deliver::testing_fixture
