#include "encode/closed_batch_queue.hpp"

#include <algorithm>
#include <utility>

namespace kinesyslog::encode {

ClosedBatchQueue::ClosedBatchQueue(size_t max_bytes, size_t max_batches)
    : max_bytes_(max_bytes), max_batches_(std::max<size_t>(max_batches, 1)) {}

bool ClosedBatchQueue::has_room_for(size_t batch_bytes) const {
  if (batches_.empty()) return true;
  return batches_.size() < max_batches_ && bytes_ + batch_bytes <= max_bytes_;
}

void ClosedBatchQueue::enqueue(ClosedBatch&& batch, size_t batch_bytes) {
  batches_.push_back(std::move(batch));
  bytes_ += batch_bytes;
  not_empty_.notify_one();
}

bool ClosedBatchQueue::push(ClosedBatch&& batch) {
  const size_t batch_bytes = cost(batch);
  std::unique_lock lock(mutex_);
  const auto can_proceed = [&] { return closed_ || has_room_for(batch_bytes); };
  while (!can_proceed()) {
    if (!push_deadline_) {
      not_full_.wait(lock);
    } else if (not_full_.wait_until(lock, *push_deadline_) == std::cv_status::timeout && !can_proceed()) {
      return false;
    }
  }
  if (closed_) return false;
  enqueue(std::move(batch), batch_bytes);
  return true;
}

void ClosedBatchQueue::limit_push_wait(SteadyTime deadline) {
  {
    std::lock_guard lock(mutex_);
    push_deadline_ = deadline;
  }
  not_full_.notify_all();  // waiters re-arm with the deadline
}

std::optional<ClosedBatch> ClosedBatchQueue::pop() {
  std::unique_lock lock(mutex_);
  not_empty_.wait(lock, [&] { return closed_ || !batches_.empty(); });
  if (batches_.empty()) return std::nullopt;
  ClosedBatch batch = std::move(batches_.front());
  batches_.pop_front();
  bytes_ -= cost(batch);
  // Several pushers may wait for different amounts of room.
  not_full_.notify_all();
  return batch;
}

void ClosedBatchQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_full_.notify_all();
  not_empty_.notify_all();
}

size_t ClosedBatchQueue::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

size_t ClosedBatchQueue::size() const {
  std::lock_guard lock(mutex_);
  return batches_.size();
}

bool ClosedBatchQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace kinesyslog::encode
