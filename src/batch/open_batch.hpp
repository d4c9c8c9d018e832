#pragma once
// The events of one SourceKey while they accumulate, already JSON-encoded and
// comma-separated, so closing is a move (docs/architecture.md#data-path: one copy of each message in total).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/closed_batch.hpp"
#include "core/event.hpp"
#include "core/journal_position.hpp"
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
  // Returns the event's JSON fragment inside the batch (valid until the batch changes).
  std::string_view append(const Event& event, WallTime received, SteadyTime now);
  // Appends a fragment written earlier by append() (replayed from the journal), unchanged.
  void append_encoded(std::string_view json_fragment, uint64_t raw_bytes, WallTime received, SteadyTime now);
  // The journal position of the event appended last (journaled batches hold one per event).
  void set_last_position(JournalSeq seq) { journal_seqs_.push_back(seq); }

  const SourceKey& key() const { return key_; }
  bool empty() const { return event_ends_.empty(); }
  size_t event_count() const { return event_ends_.size(); }
  uint64_t raw_bytes() const { return raw_bytes_; }
  size_t json_bytes() const { return events_json_.size(); }
  size_t memory_bytes() const {
    return events_json_.capacity() + event_ends_.capacity() * sizeof(uint32_t) +
           journal_seqs_.capacity() * sizeof(JournalSeq);
  }
  SteadyTime opened() const { return opened_; }  // meaningful once non-empty

  // Hands the events over (the caller names the journal of their positions); the batch is left empty and may be reused.
  ClosedBatch close();

 private:
  size_t begin_event(WallTime received, SteadyTime now);  // the offset where the event's JSON starts
  void end_event(uint64_t raw_bytes);

  SourceKey key_;
  std::string events_json_;
  std::vector<uint32_t> event_ends_;
  std::vector<JournalSeq> journal_seqs_;
  uint64_t raw_bytes_ = 0;
  WallTime first_received_{};
  SteadyTime opened_{};
};

}  // namespace kinesyslog::batch
