#pragma once
// A DeliveryEvents that keeps what the loop reported, for the loop's tests. Thread-safe.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "deliver/delivery_events.hpp"

namespace kinesyslog::testing {

class RecordedEvents : public deliver::DeliveryEvents {
 public:
  void call_starting(size_t records, uint64_t bytes) override {
    calls_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    call_sizes_.emplace_back(records, bytes);
  }
  void record_delivered(uint64_t record_bytes, WallTime first_received) override {
    std::lock_guard lock(mutex_);
    delivered_records_.emplace_back(record_bytes, first_received);
  }
  void record_failed(std::string_view error_message) override {
    std::lock_guard lock(mutex_);
    failure_messages_.emplace_back(error_message);
  }
  void call_settled(const deliver::SettledCall& settled) noexcept override {
    delivered_.fetch_add(settled.delivered, std::memory_order_relaxed);
    failed_.fetch_add(settled.failed, std::memory_order_relaxed);
  }
  void waiting(uint64_t records) noexcept override { waiting_.store(records, std::memory_order_relaxed); }

  // Destination calls made.
  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  // Records accepted and removed from the spool.
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  // Records rejected, in a failed call, refused alone or not a record; once per attempt.
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  // Records known and not yet accepted, as last reported.
  uint64_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

  // In the order reported: each call's records and bytes; each delivered record's bytes and
  // first receive time; each failed attempt's error message.
  std::vector<std::pair<size_t, uint64_t>> call_sizes() const {
    std::lock_guard lock(mutex_);
    return call_sizes_;
  }
  std::vector<std::pair<uint64_t, WallTime>> delivered_records() const {
    std::lock_guard lock(mutex_);
    return delivered_records_;
  }
  std::vector<std::string> failure_messages() const {
    std::lock_guard lock(mutex_);
    return failure_messages_;
  }

 private:
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> waiting_{0};
  mutable std::mutex mutex_;
  std::vector<std::pair<size_t, uint64_t>> call_sizes_;
  std::vector<std::pair<uint64_t, WallTime>> delivered_records_;
  std::vector<std::string> failure_messages_;
};

}  // namespace kinesyslog::testing
