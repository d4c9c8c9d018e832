#pragma once
// One delivery loop per stream over the one shared spool, each on its own thread with its own
// destination and backoff, so a stream that throttles or fails holds back only its own records.
// A record belongs to the stream its route hashes to (deliver/stream_assignment.hpp); the spool
// is scanned once at start and each loop keeps its share.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "deliver/delivery_events.hpp"
#include "deliver/delivery_loop.hpp"
#include "deliver/destination.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::relay {

class StreamLoops {
 public:
  // `destinations`: one per stream, in stream order (at least one), outliving this. `events[i]`
  // hears what stream i's loop does (none when missing or null). Scans the spool.
  StreamLoops(spool::Spool& spool, std::span<deliver::Destination* const> destinations, const Clock& clock,
              const deliver::DeliveryOptions& options,
              const std::vector<std::shared_ptr<deliver::DeliveryEvents>>& events);
  ~StreamLoops();  // stops and joins the threads
  StreamLoops(const StreamLoops&) = delete;
  StreamLoops& operator=(const StreamLoops&) = delete;

  // Any thread: the file goes to its stream's loop.
  void notify_published(const spool::SpoolFile& file, WallTime first_received);

  void start();         // one thread per loop
  void stop_threads();  // each run() returns once its call in flight is settled
  // Every loop sends what waits at once, all in parallel, until `deadline`. True when nothing waits.
  bool drain(SteadyTime deadline);

  // Any thread: one loop is stuck (DeliveryLoop::stalled), for /health and the watchdog.
  bool stalled() const;
  // Age of the oldest record waiting in any stream.
  std::chrono::nanoseconds oldest_waiting_age() const;

  size_t size() const { return loops_.size(); }
  deliver::DeliveryLoop& loop(size_t stream) { return *loops_[stream]; }

 private:
  std::vector<std::unique_ptr<deliver::DeliveryLoop>> loops_;
  std::vector<std::jthread> threads_;
};

}  // namespace kinesyslog::relay
