#pragma once
// Where an I/O thread hands each framed message. One sink per I/O thread, called only
// from that thread, so it may keep per-thread state (parser scratch, batch table) without locks.
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::net {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // One complete message; the views are valid only during the call. May block when the
  // pipeline is full, which stops this thread reading (TCP backpressure, docs/behaviour.md §4.2).
  virtual void on_message(const SourceKey& key, std::string_view source_text, std::string_view message,
                          WallTime received) = 0;
  // Called at least once per second: time to close aged batches.
  virtual void on_tick(SteadyTime now) = 0;
  // The thread is stopping: hand on everything held (close every batch).
  virtual void on_stop() = 0;

  // Durability, for senders that wait for it (RELP answers a frame only once its message is
  // durable). The defaults suit a sink that keeps nothing at risk: everything is durable at once.

  // The position of the last message handed to on_message on this thread (0: none yet).
  virtual uint64_t position() const { return 0; }
  // Every position <= this is durable (journal synced, or - journal off - spooled).
  virtual uint64_t durable_through() const { return UINT64_MAX; }
  // An acknowledgement waits for position(): make it durable soon.
  virtual void want_durable() {}
  // Readable (an eventfd) when durable_through() advanced; -1: never (everything durable at
  // once). The I/O thread watches it and reads it empty when it wakes.
  virtual int durable_wake_fd() const { return -1; }
  // The end of one event-loop round: write what was appended (one journal block).
  virtual void on_round_end() {}
};

}  // namespace kinesyslog::net
