#pragma once
// The events of one SourceKey while they accumulate, already JSON-encoded and
// comma-separated, so closing is a move (DESIGN: one copy of each message in total).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/closed_batch.hpp"
#include "core/event.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::batch {

class OpenBatch {
 public:
  // Initial buffer size: small enough that thousands of quiet sources stay cheap; a busy
  // source grows by doubling towards --flush-size.
  static constexpr size_t kInitialReserveBytes = 16 * 1024;

  explicit OpenBatch(const SourceKey& key, size_t reserve_bytes = kInitialReserveBytes);

  // Appends `{"id":"…","timestamp":…,"message":"<escaped prefix+body>"}`. The first event
  // sets the batch's receive time and open time.
  void append(const Event& event, WallTime received, SteadyTime now);

  const SourceKey& key() const { return key_; }
  bool empty() const { return event_ends_.empty(); }
  size_t event_count() const { return event_ends_.size(); }
  uint64_t raw_bytes() const { return raw_bytes_; }
  size_t json_bytes() const { return events_json_.size(); }
  size_t memory_bytes() const { return events_json_.capacity() + event_ends_.capacity() * sizeof(uint32_t); }
  SteadyTime opened() const { return opened_; }  // meaningful once non-empty

  // Hands the events over; the batch is left empty and may be reused.
  ClosedBatch close();

 private:
  SourceKey key_;
  std::string events_json_;
  std::vector<uint32_t> event_ends_;
  uint64_t raw_bytes_ = 0;
  WallTime first_received_{};
  SteadyTime opened_{};
};

}  // namespace kinesyslog::batch
