#include "metrics/source_traffic.hpp"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

namespace kinesyslog::metrics {
namespace {

using namespace std::chrono_literals;

SourceKey from(uint8_t last_octet, uint16_t port = 514) {
  return SourceKey{IpAddress::from_v4({10, 0, 0, last_octet}), port, Protocol::kSyslog};
}

std::vector<SourceTraffic> read(const SourceTrafficTable& table) {
  std::vector<SourceTraffic> series;
  table.append_to(series);
  return merge_source_traffic(std::move(series));
}

void count(SourceTrafficTable& table, uint8_t last_octet, uint64_t bytes, uint16_t port = 514) {
  const SourceKey key = from(last_octet, port);
  table.count(key, key.source.to_string(), bytes);
}

TEST(SourceTraffic, CountsMessagesAndBytesPerPortAndSource) {
  SourceTrafficTable table(10);
  count(table, 1, 5);
  count(table, 1, 7);
  count(table, 2, 1);
  count(table, 1, 3, 601);
  EXPECT_EQ(read(table), (std::vector<SourceTraffic>{
                             {514, "10.0.0.1", 2, 12}, {514, "10.0.0.2", 1, 1}, {601, "10.0.0.1", 1, 3}}));
}

TEST(SourceTraffic, SourcesPastTheCapacityCountAsOtherForTheirPort) {
  SourceTrafficTable table(2);
  for (uint8_t octet = 1; octet <= 200; ++octet) count(table, octet, 10);
  count(table, 1, 10);  // a tracked source keeps its own series
  EXPECT_EQ(table.tracked_sources(), 2U);
  EXPECT_EQ(read(table), (std::vector<SourceTraffic>{
                             {514, "10.0.0.1", 2, 20}, {514, "10.0.0.2", 1, 10}, {514, "other", 198, 1980}}));
}

TEST(SourceTraffic, AFullTableEvictsIdleSourcesIntoOtherSoSumsNeverDecrease) {
  SourceTrafficTable table(2, 1min);
  const SteadyTime start{};
  count(table, 1, 10);
  count(table, 2, 10);
  table.sweep(start);  // remembers the counts
  count(table, 1, 10);
  count(table, 3, 10);  // no room: other
  table.sweep(start + 1min);  // source 2 was idle
  count(table, 3, 10);  // now it has room
  EXPECT_EQ(read(table), (std::vector<SourceTraffic>{
                             {514, "10.0.0.1", 2, 20}, {514, "10.0.0.3", 1, 10}, {514, "other", 2, 20}}));
}

TEST(SourceTraffic, ATableWithRoomKeepsIdleSources) {
  SourceTrafficTable table(5, 1min);
  count(table, 1, 10);
  table.sweep(SteadyTime{});
  table.sweep(SteadyTime{} + 2min);
  EXPECT_EQ(read(table), (std::vector<SourceTraffic>{{514, "10.0.0.1", 1, 10}}));
}

TEST(SourceTraffic, MergeSumsTheSameSeriesFromSeveralThreads) {
  SourceTrafficTable first(5);
  SourceTrafficTable second(5);
  count(first, 1, 10);
  count(second, 1, 5);
  std::vector<SourceTraffic> series;
  first.append_to(series);
  second.append_to(series);
  EXPECT_EQ(merge_source_traffic(series), (std::vector<SourceTraffic>{{514, "10.0.0.1", 2, 15}}));
}

}  // namespace
}  // namespace kinesyslog::metrics
