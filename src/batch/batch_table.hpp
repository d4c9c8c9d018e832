#pragma once
// One per I/O thread (not thread-safe): the open batches of every (source, port) this thread
// has heard from, closed by size, by age, by the memory cap, or on shutdown (docs/behaviour.md §4.2).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

#include "batch/journal_tap.hpp"
#include "batch/open_batch.hpp"
#include "core/clock.hpp"
#include "core/closed_batch.hpp"
#include "core/event.hpp"
#include "core/journal_position.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::batch {

struct BatchLimits {
  uint64_t flush_size = 4194304;                                  // --flush-size: raw message bytes that close a batch
  std::chrono::nanoseconds flush_age = std::chrono::seconds{60};  // --flush-age
  size_t max_open_bytes = 64 * 1024 * 1024;  // memory held by all open batches; past it the largest closes
};

// Receives every closed batch; may block (the queue's backpressure).
using ClosedBatchSink = std::function<void(ClosedBatch&&)>;

class BatchTable {
 public:
  // A batch's JSON never grows past this, so ClosedBatch's 32-bit offsets always hold.
  static constexpr size_t kMaxBatchJsonBytes = size_t{1} << 30;

  BatchTable(const BatchLimits& limits, ClosedBatchSink sink);
  // Journaled: every event appended is handed to `tap` (which outlives the table) before any
  // batch closes, and closed batches carry `journal` and their events' positions there.
  BatchTable(const BatchLimits& limits, ClosedBatchSink sink, JournalId journal, JournalTap* tap);

  // Adds one event to its source's batch; may close that batch (size) or the largest (memory cap).
  void append(const SourceKey& key, const Event& event, WallTime received, SteadyTime now);
  // Recovery: adds a fragment the journal kept (written by append() before a crash) unchanged,
  // with its position `seq` in this table's journal; closes batches as append() does.
  void append_encoded(const SourceKey& key, std::string_view json_fragment, uint64_t raw_bytes, WallTime received,
                      SteadyTime now, JournalSeq seq);
  // Closes every batch whose oldest event is flush_age old at `now`.
  void close_aged(SteadyTime now);
  // Closes every batch (shutdown).
  void close_all();

  size_t open_batches() const { return batches_.size(); }
  size_t open_bytes() const { return open_bytes_; }  // buffer capacity held: what max_open_bytes limits

 private:
  // A batch's opening, in time order; stale once that batch closed (generation differs).
  struct Opening {
    SteadyTime opened;
    SourceKey key;
    uint64_t generation;
  };
  struct Slot {
    Slot(const SourceKey& key, uint64_t batch_generation, size_t reserve_bytes)
        : batch(key, reserve_bytes), generation(batch_generation) {}
    OpenBatch batch;
    uint64_t generation;
  };
  using SlotMap = std::unordered_map<SourceKey, Slot, SourceKeyHash>;

  enum class CloseReason { kSize, kAge, kMemory, kShutdown };

  // The slot `key`'s next event goes into, after closing its batch if `worst_case_json` more
  // bytes could pass the 32-bit offsets.
  Slot& slot_with_room(const SourceKey& key, size_t worst_case_json, SteadyTime now);
  // After an event went into `slot`: the size and memory limits.
  void enforce_limits(const SourceKey& key, Slot& slot, size_t memory_before);
  Slot& slot_for(const SourceKey& key, SteadyTime now);
  size_t initial_reserve(const SourceKey& key) const;
  void close(SlotMap::iterator slot, CloseReason reason);
  void close_largest();
  void drop_stale_openings();
  bool is_current(const Opening& opening) const;

  BatchLimits limits_;
  ClosedBatchSink sink_;
  JournalId journal_{};
  JournalTap* tap_ = nullptr;
  SlotMap batches_;
  std::deque<Opening> openings_;  // oldest first: steady time only moves forward
  // JSON size of each busy source's last size-closed batch: its next batch reserves that much
  // up front instead of doubling its way there (a copy of every byte, and most append time).
  std::unordered_map<SourceKey, size_t, SourceKeyHash> size_hints_;
  uint64_t next_generation_ = 0;
  size_t open_bytes_ = 0;
  // Consecutive messages usually come from the same sender: skip the hash lookup.
  Slot* last_slot_ = nullptr;
};

}  // namespace kinesyslog::batch
