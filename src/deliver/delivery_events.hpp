#pragma once
// What the delivery loop tells the rest of the program as it works. The relay implements it
// once (metrics); the defaults do nothing, so a loop without an observer needs none.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"

namespace kinesyslog::deliver {

// The records one call settled, once the loop applied its outcome (files removed, index updated).
struct SettledCall {
  uint64_t delivered = 0;  // accepted and removed from the spool
  uint64_t failed = 0;     // not delivered by this attempt, including spool files that were not a record
};

class DeliveryEvents {
 public:
  virtual ~DeliveryEvents() = default;

  // The methods below run on the thread that sends the call. One that throws is logged; a throw
  // from call_starting() counts as a failure of the call, as anything thrown while sending it.
  // A call is about to go out with `records` records of `bytes` bytes in total.
  virtual void call_starting(size_t /*records*/, uint64_t /*bytes*/) {}
  // One record was accepted; `first_received` is when its oldest event arrived (the spool
  // file's creation time for records left by an earlier run). Its file is removed after this.
  virtual void record_delivered(uint64_t /*record_bytes*/, WallTime /*first_received*/) {}
  // One record was not delivered by one attempt: rejected with the destination's message, in a
  // whole failed call (the message says what failed), or refused alone as malformed.
  virtual void record_failed(std::string_view /*error_message*/) {}
  // A call's outcome is applied: its files are removed or quarantined, the rest wait again.
  virtual void call_settled(const SettledCall& /*settled*/) noexcept {}

  // Any thread, under the loop's lock (keep it short, never call the loop): records known and
  // not yet delivered, each time the loop updates its count.
  virtual void waiting(uint64_t /*records*/) noexcept {}
};

}  // namespace kinesyslog::deliver
