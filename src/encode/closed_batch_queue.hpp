#pragma once
// Closed batches on their way from the I/O threads to the encoder threads. Bounded in bytes
// and in count: a full queue blocks the pushing I/O thread, which is the backpressure TCP
// senders feel (docs/behaviour.md §4.2) — never unbounded memory.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "core/clock.hpp"
#include "core/closed_batch.hpp"

namespace kinesyslog::encode {

class ClosedBatchQueue {
 public:
  ClosedBatchQueue(size_t max_bytes, size_t max_batches);

  // Blocks while full; false (and `batch` untouched) once closed, or once the push deadline
  // has passed with the queue still full. A batch larger than max_bytes is still admitted
  // when the queue is empty, so it can never wait forever.
  bool push(ClosedBatch&& batch);
  // Shutdown: from now on no push waits past `deadline` (pushes already waiting included), so
  // an I/O thread can always finish even when nothing pops (encoders stuck on a dead disk).
  void limit_push_wait(SteadyTime deadline);
  // Blocks until a batch is available; nullopt once closed and drained.
  std::optional<ClosedBatch> pop();
  // Wakes every waiter: pushes fail from now on, pops drain what is left.
  void close();

  size_t bytes() const;
  size_t size() const;
  bool closed() const;

  static size_t cost(const ClosedBatch& batch) { return batch.events_json.size(); }

 private:
  bool has_room_for(size_t batch_bytes) const;  // caller holds mutex_
  void enqueue(ClosedBatch&& batch, size_t batch_bytes);

  const size_t max_bytes_;
  const size_t max_batches_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<ClosedBatch> batches_;
  bool closed_ = false;
  std::optional<SteadyTime> push_deadline_;
  size_t bytes_ = 0;  // cost() of the batches held
};

}  // namespace kinesyslog::encode
