#include "encode/closed_batch_queue.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kinesyslog::encode {
namespace {

using namespace std::chrono_literals;

ClosedBatch batch_of_size(size_t bytes, uint32_t tag = 0) {
  ClosedBatch batch;
  batch.events_json.assign(bytes, 'x');
  batch.event_ends = {tag};
  return batch;
}

// Long enough for a blocked thread to show it is blocked, short enough for the suite.
constexpr auto kBlockedFor = 50ms;

TEST(ClosedBatchQueue, PopReturnsBatchesInPushOrder) {
  ClosedBatchQueue queue(1000, 10);
  ASSERT_TRUE(queue.push(batch_of_size(10, 1)));
  ASSERT_TRUE(queue.push(batch_of_size(10, 2)));
  EXPECT_EQ(queue.pop()->event_ends[0], 1u);
  EXPECT_EQ(queue.pop()->event_ends[0], 2u);
}

TEST(ClosedBatchQueue, ReportsBytesAndSize) {
  ClosedBatchQueue queue(1000, 10);
  ASSERT_TRUE(queue.push(batch_of_size(100)));
  ASSERT_TRUE(queue.push(batch_of_size(30)));
  EXPECT_EQ(queue.bytes(), 130u);
  EXPECT_EQ(queue.size(), 2u);
  (void)queue.pop();
  EXPECT_EQ(queue.bytes(), 30u);
  EXPECT_EQ(queue.size(), 1u);
}

TEST(ClosedBatchQueue, PushBlocksWhileBytesAreFullUntilAPop) {
  ClosedBatchQueue queue(100, 10);
  ASSERT_TRUE(queue.push(batch_of_size(80)));
  auto pusher = std::async(std::launch::async, [&] { return queue.push(batch_of_size(40)); });
  EXPECT_EQ(pusher.wait_for(kBlockedFor), std::future_status::timeout);
  (void)queue.pop();
  EXPECT_TRUE(pusher.get());
  EXPECT_EQ(queue.bytes(), 40u);
}

TEST(ClosedBatchQueue, PushBlocksWhileCountIsFull) {
  ClosedBatchQueue queue(1 << 20, 2);
  ASSERT_TRUE(queue.push(batch_of_size(1)));
  ASSERT_TRUE(queue.push(batch_of_size(1)));
  auto pusher = std::async(std::launch::async, [&] { return queue.push(batch_of_size(1)); });
  EXPECT_EQ(pusher.wait_for(kBlockedFor), std::future_status::timeout);
  (void)queue.pop();
  EXPECT_TRUE(pusher.get());
}

// Shutdown: an I/O thread blocked on a full queue that nothing drains (encoders stuck on a dead
// disk or waiting for the account) must still finish, so the process can exit.
TEST(ClosedBatchQueue, PushAlreadyWaitingGivesUpAtThePushDeadline) {
  ClosedBatchQueue queue(100, 10);
  ASSERT_TRUE(queue.push(batch_of_size(80)));
  auto pusher = std::async(std::launch::async, [&] { return queue.push(batch_of_size(40)); });
  EXPECT_EQ(pusher.wait_for(kBlockedFor), std::future_status::timeout);
  queue.limit_push_wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  ASSERT_EQ(pusher.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(pusher.get());
  EXPECT_EQ(queue.bytes(), 80u);
}

TEST(ClosedBatchQueue, PushPastTheDeadlineFailsAtOnceWhenFullAndSucceedsWithRoom) {
  ClosedBatchQueue queue(100, 10);
  queue.limit_push_wait(std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(queue.push(batch_of_size(80)));  // room: the deadline does not matter
  ClosedBatch refused = batch_of_size(40);
  EXPECT_FALSE(queue.push(std::move(refused)));
  EXPECT_EQ(refused.events_json.size(), 40u);  // a refused batch is not moved from
}

// A push deadline already past makes push() answer at once: true with room, false when full.
TEST(ClosedBatchQueue, OversizedBatchIsAdmittedIntoAnEmptyQueue) {
  ClosedBatchQueue queue(100, 10);
  queue.limit_push_wait(std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(queue.push(batch_of_size(500)));
  EXPECT_FALSE(queue.push(batch_of_size(1)));
}

TEST(ClosedBatchQueue, PushThatCannotWaitFailsWhenFullAndLeavesTheBatchIntact) {
  ClosedBatchQueue queue(100, 10);
  queue.limit_push_wait(std::chrono::steady_clock::now() - std::chrono::seconds(1));
  ASSERT_TRUE(queue.push(batch_of_size(90)));
  ClosedBatch rejected = batch_of_size(20);
  EXPECT_FALSE(queue.push(std::move(rejected)));
  EXPECT_EQ(rejected.events_json.size(), 20u);  // a refused batch is not moved from
}

TEST(ClosedBatchQueue, PopBlocksUntilAPush) {
  ClosedBatchQueue queue(100, 10);
  auto popper = std::async(std::launch::async, [&] { return queue.pop(); });
  EXPECT_EQ(popper.wait_for(kBlockedFor), std::future_status::timeout);
  ASSERT_TRUE(queue.push(batch_of_size(5, 7)));
  const auto popped = popper.get();
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->event_ends[0], 7u);
}

TEST(ClosedBatchQueue, CloseWakesBlockedPushersWithFalse) {
  ClosedBatchQueue queue(10, 10);
  ASSERT_TRUE(queue.push(batch_of_size(10)));
  auto pusher = std::async(std::launch::async, [&] { return queue.push(batch_of_size(10)); });
  EXPECT_EQ(pusher.wait_for(kBlockedFor), std::future_status::timeout);
  queue.close();
  EXPECT_FALSE(pusher.get());
  EXPECT_FALSE(queue.push(batch_of_size(1)));
}

TEST(ClosedBatchQueue, CloseWakesBlockedPoppersWithNothing) {
  ClosedBatchQueue queue(10, 10);
  auto popper = std::async(std::launch::async, [&] { return queue.pop(); });
  EXPECT_EQ(popper.wait_for(kBlockedFor), std::future_status::timeout);
  queue.close();
  EXPECT_FALSE(popper.get());
}

TEST(ClosedBatchQueue, PopDrainsWhatWasQueuedBeforeClose) {
  ClosedBatchQueue queue(100, 10);
  ASSERT_TRUE(queue.push(batch_of_size(5, 1)));
  queue.close();
  EXPECT_TRUE(queue.closed());
  const auto popped = queue.pop();
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->event_ends[0], 1u);
  EXPECT_FALSE(queue.pop());
}

TEST(ClosedBatchQueue, ManyProducersAndConsumersDeliverEveryBatchOnce) {
  ClosedBatchQueue queue(64, 4);
  constexpr uint32_t kProducers = 3;
  constexpr uint32_t kPerProducer = 500;
  std::vector<std::atomic<int>> seen(kProducers * kPerProducer);
  std::vector<std::thread> consumers;
  for (int i = 0; i < 2; ++i) {
    consumers.emplace_back([&] {
      while (auto batch = queue.pop()) seen[batch->event_ends[0]].fetch_add(1);
    });
  }
  std::vector<std::thread> producers;
  for (uint32_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (uint32_t i = 0; i < kPerProducer; ++i)
        ASSERT_TRUE(queue.push(batch_of_size(1 + i % 30, p * kPerProducer + i)));
    });
  }
  for (auto& producer : producers) producer.join();
  queue.close();
  for (auto& consumer : consumers) consumer.join();
  for (const auto& count : seen) EXPECT_EQ(count.load(), 1);
  EXPECT_EQ(queue.bytes(), 0u);
}

}  // namespace
}  // namespace kinesyslog::encode
