#pragma once
// The seam through which a batch table hands each event to the write-ahead journal. The
// journal comes before batching in the pipeline, so batch/ only declares what it needs; the
// relay implements it with the I/O thread's journal.
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "core/journal_position.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::batch {

class JournalTap {
 public:
  virtual ~JournalTap() = default;
  // One event, its JSON fragment exactly as its batch holds it (the view is valid only during
  // the call). Returns the event's position in the journal, which travels with the batch.
  virtual JournalSeq appended(const SourceKey& key, WallTime received, uint64_t raw_bytes,
                              std::string_view json_fragment) = 0;
};

}  // namespace kinesyslog::batch
