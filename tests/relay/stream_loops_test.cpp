// Several streams over one spool: each loop indexes and sends only the records whose route
// hashes to it, a published record reaches its stream's loop, and a stream whose destination
// keeps failing holds back none of the others.
#include "relay/stream_loops.hpp"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "deliver/fake_destination.hpp"
#include "deliver/stream_assignment.hpp"
#include "spool/spool.hpp"
#include "support/gzip_member.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::relay {
namespace {

using namespace std::chrono_literals;
using testing::FakeDestination;

// Polls a condition the loops' threads make true; false after `limit`.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 10s) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Records named after their route, so a destination's calls tell which hosts reached it.
std::string content_for(const spool::RecordRoute& route) { return route.source + "/" + std::to_string(route.port); }

class StreamLoopsTest : public ::testing::Test {
 protected:
  std::vector<spool::RecordRoute> routes(int hosts) {
    std::vector<spool::RecordRoute> result;
    for (int host = 1; host <= hosts; ++host) result.push_back({"127.0.1." + std::to_string(host), 514});
    return result;
  }
  std::set<std::string> accepted_by(const FakeDestination& destination) {
    std::set<std::string> contents;
    for (const auto& [content, times] : destination.accepted()) contents.insert(content);
    return contents;
  }
  deliver::DeliveryOptions fast() const {
    deliver::DeliveryOptions options;
    options.interval = 20ms;
    options.retry_base = 1s;
    options.retry_cap = 5s;
    return options;
  }

  testing::TemporaryDirectory directory_;
  spool::Spool spool_{directory_.path(), SystemClock::instance()};
  FakeDestination first_;
  FakeDestination second_;
  FakeDestination third_;
  std::vector<deliver::Destination*> destinations_{&first_, &second_, &third_};
};

TEST_F(StreamLoopsTest, LeftoversAndNewRecordsGoOnlyToTheirRoutesStream) {
  std::map<std::string, size_t> expected_stream;
  const auto hosts = routes(24);
  for (size_t i = 0; i < hosts.size() / 2; ++i) {  // left by an earlier run
    spool_.publish(testing::gzip_member(content_for(hosts[i])), hosts[i]);
  }
  spool_.publish(testing::gzip_member("no route"));  // e.g. the original's file: the first stream
  StreamLoops loops(spool_, destinations_, SystemClock::instance(), fast(), {});
  loops.start();
  for (size_t i = hosts.size() / 2; i < hosts.size(); ++i) {
    loops.notify_published(spool_.publish(testing::gzip_member(content_for(hosts[i])), hosts[i]), {});
  }
  for (const auto& route : hosts) {
    expected_stream[testing::gzip_member(content_for(route))] =
        deliver::stream_for_route(route.source, route.port, destinations_.size());
  }
  expected_stream[testing::gzip_member("no route")] = 0;
  ASSERT_TRUE(eventually([&] { return spool_.record_count() == 0; }));
  loops.stop_threads();

  std::vector<std::set<std::string>> expected(3);
  for (const auto& [content, stream] : expected_stream) expected[stream].insert(content);
  for (const auto& share : expected) EXPECT_FALSE(share.empty()) << "24 hosts use every one of 3 streams";
  EXPECT_EQ(accepted_by(first_), expected[0]);
  EXPECT_EQ(accepted_by(second_), expected[1]);
  EXPECT_EQ(accepted_by(third_), expected[2]);
  for (const FakeDestination* destination : {&first_, &second_, &third_}) {
    for (const auto& [content, times] : destination->accepted()) EXPECT_EQ(times, 1) << "delivered once";
  }
}

TEST_F(StreamLoopsTest, AStreamThatKeepsFailingDoesNotHoldBackTheOthers) {
  first_.otherwise(
      FakeDestination::fail_call(deliver::DeliveryResult::Status::kRetryableFailure));  // throttled, always
  StreamLoops loops(spool_, destinations_, SystemClock::instance(), fast(), {});
  loops.start();
  size_t for_first = 0;
  const auto hosts = routes(30);
  for (const auto& route : hosts) {
    loops.notify_published(spool_.publish(testing::gzip_member(content_for(route)), route), {});
    if (deliver::stream_for_route(route.source, route.port, 3) == 0) ++for_first;
  }
  ASSERT_GT(for_first, 0U);
  // Everything of the other two streams is delivered while the first one's calls keep failing.
  EXPECT_TRUE(eventually([&] { return spool_.record_count() == for_first; })) << spool_.record_count();
  EXPECT_FALSE(first_.calls().empty()) << "the failing stream kept trying";
  EXPECT_TRUE(first_.accepted().empty());
  EXPECT_EQ(second_.accepted().size() + third_.accepted().size(), hosts.size() - for_first);
  loops.stop_threads();
  // Shutdown: the drain ends by its deadline with the failing stream's records still spooled.
  EXPECT_FALSE(loops.drain(SystemClock::instance().steady_now() + 300ms));
  EXPECT_EQ(spool_.record_count(), for_first);
  EXPECT_GT(loops.oldest_waiting_age(), 0ns);
  EXPECT_FALSE(loops.stalled()) << "backing off is not a stall";
}

TEST_F(StreamLoopsTest, DrainEmptiesEveryStreamByTheSameDeadline) {
  StreamLoops loops(spool_, destinations_, SystemClock::instance(), deliver::DeliveryOptions{}, {});
  for (const auto& route : routes(12)) {
    loops.notify_published(spool_.publish(testing::gzip_member(content_for(route)), route), {});
  }
  // No thread started and the interval is a minute away: only the drain sends.
  EXPECT_TRUE(loops.drain(SystemClock::instance().steady_now() + 10s));
  EXPECT_EQ(spool_.record_count(), 0U);
  EXPECT_EQ(first_.accepted().size() + second_.accepted().size() + third_.accepted().size(), 12U);
}

}  // namespace
}  // namespace kinesyslog::relay
