#pragma once
// Where an I/O thread hands each framed message. One sink per I/O thread, called only
// from that thread, so it may keep per-thread state (parser scratch, batch table) without locks.
#include <string_view>

#include "core/clock.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::net {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // One complete message; the views are valid only during the call. May block when the
  // pipeline is full, which stops this thread reading (TCP backpressure, DESIGN "Threads").
  virtual void on_message(const SourceKey& key, std::string_view source_text, std::string_view message,
                          WallTime received) = 0;
  // Called at least once per second: time to close aged batches.
  virtual void on_tick(SteadyTime now) = 0;
  // The thread is stopping: hand on everything held (close every batch).
  virtual void on_stop() = 0;
};

}  // namespace kinesyslog::net
