#include "batch/batch_table.hpp"

#include <algorithm>
#include <utility>

#include "core/json_escape.hpp"

namespace kinesyslog::batch {
namespace {

// `{"id":"<56>","timestamp":<20>,"message":""}` plus the separating comma, generously.
constexpr size_t kEventOverheadBytes = 128;
// Bounds the hints when many sources are busy in turn; forgetting them only costs speed.
constexpr size_t kMaxSizeHints = 4096;

}  // namespace

BatchTable::BatchTable(const BatchLimits& limits, ClosedBatchSink sink) : limits_(limits), sink_(std::move(sink)) {}

BatchTable::BatchTable(const BatchLimits& limits, ClosedBatchSink sink, JournalId journal, JournalTap* tap)
    : limits_(limits), sink_(std::move(sink)), journal_(journal), tap_(tap) {}

BatchTable::Slot& BatchTable::slot_for(const SourceKey& key, SteadyTime now) {
  if (last_slot_ != nullptr && last_slot_->batch.key() == key) return *last_slot_;
  auto [it, inserted] = batches_.try_emplace(key, key, next_generation_, initial_reserve(key));
  if (inserted) {
    openings_.push_back(Opening{now, key, next_generation_++});
    open_bytes_ += it->second.batch.memory_bytes();
  }
  last_slot_ = &it->second;  // unordered_map nodes never move
  return it->second;
}

size_t BatchTable::initial_reserve(const SourceKey& key) const {
  const auto hint = size_hints_.find(key);
  if (hint == size_hints_.end()) return OpenBatch::kInitialReserveBytes;
  // An eighth of slack so that a slightly bigger batch does not double its buffer at the end.
  return std::min(hint->second + hint->second / 8, limits_.max_open_bytes / 8);
}

BatchTable::Slot& BatchTable::slot_with_room(const SourceKey& key, size_t worst_case_json, SteadyTime now) {
  Slot* slot = &slot_for(key, now);
  if (!slot->batch.empty() && slot->batch.json_bytes() + worst_case_json > kMaxBatchJsonBytes) {
    close(batches_.find(key), CloseReason::kSize);
    slot = &slot_for(key, now);
  }
  return *slot;
}

void BatchTable::enforce_limits(const SourceKey& key, Slot& slot, size_t memory_before) {
  open_bytes_ += slot.batch.memory_bytes() - memory_before;
  if (slot.batch.raw_bytes() >= limits_.flush_size) close(batches_.find(key), CloseReason::kSize);
  while (open_bytes_ > limits_.max_open_bytes && !batches_.empty()) close_largest();
}

void BatchTable::append(const SourceKey& key, const Event& event, WallTime received, SteadyTime now) {
  Slot& slot = slot_with_room(key, max_json_escaped_size(event.message_size()) + kEventOverheadBytes, now);
  const size_t before = slot.batch.memory_bytes();
  const std::string_view fragment = slot.batch.append(event, received, now);
  // Into the journal before anything closes: a closed batch always carries its events' positions.
  if (tap_ != nullptr) slot.batch.set_last_position(tap_->appended(key, received, event.message_size(), fragment));
  enforce_limits(key, slot, before);
}

void BatchTable::append_encoded(const SourceKey& key, std::string_view json_fragment, uint64_t raw_bytes,
                                WallTime received, SteadyTime now, JournalSeq seq) {
  Slot& slot = slot_with_room(key, json_fragment.size() + 1, now);
  const size_t before = slot.batch.memory_bytes();
  slot.batch.append_encoded(json_fragment, raw_bytes, received, now);
  slot.batch.set_last_position(seq);
  enforce_limits(key, slot, before);
}

void BatchTable::close(SlotMap::iterator slot, CloseReason reason) {
  if (reason == CloseReason::kSize) {
    if (size_hints_.size() >= kMaxSizeHints) size_hints_.clear();
    size_hints_[slot->first] = slot->second.batch.json_bytes();
  } else if (reason == CloseReason::kAge || reason == CloseReason::kMemory) {
    // A source that ages out is not busy; one evicted by the cap must not evict another with
    // its reservation as soon as it speaks again. Either way it starts small again.
    size_hints_.erase(slot->first);
  }
  if (last_slot_ == &slot->second) last_slot_ = nullptr;
  open_bytes_ -= slot->second.batch.memory_bytes();
  ClosedBatch closed = slot->second.batch.close();
  closed.journal = journal_;
  batches_.erase(slot);
  // Erase before calling the sink: it may block, and nothing here may refer to the slot then.
  if (closed.event_count() > 0) sink_(std::move(closed));
}

void BatchTable::close_largest() {
  auto largest = batches_.begin();
  for (auto it = batches_.begin(); it != batches_.end(); ++it) {
    if (it->second.batch.memory_bytes() > largest->second.batch.memory_bytes()) largest = it;
  }
  close(largest, CloseReason::kMemory);
}

bool BatchTable::is_current(const Opening& opening) const {
  const auto it = batches_.find(opening.key);
  return it != batches_.end() && it->second.generation == opening.generation;
}

void BatchTable::drop_stale_openings() {
  while (!openings_.empty() && !is_current(openings_.front())) openings_.pop_front();
  // Batches closed by size leave stale entries behind a long-lived one; keep the queue bounded.
  if (openings_.size() > 2 * batches_.size() + 64) {
    std::deque<Opening> current;
    for (const Opening& opening : openings_) {
      if (is_current(opening)) current.push_back(opening);
    }
    openings_.swap(current);
  }
}

void BatchTable::close_aged(SteadyTime now) {
  drop_stale_openings();
  while (!openings_.empty() && now - openings_.front().opened >= limits_.flush_age) {
    const Opening oldest = openings_.front();
    openings_.pop_front();
    const auto it = batches_.find(oldest.key);
    if (it != batches_.end() && it->second.generation == oldest.generation) close(it, CloseReason::kAge);
    drop_stale_openings();
  }
}

void BatchTable::close_all() {
  while (!batches_.empty()) close(batches_.begin(), CloseReason::kShutdown);
  openings_.clear();
}

}  // namespace kinesyslog::batch
