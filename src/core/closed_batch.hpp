#pragma once
// A batch closed by size, age or shutdown, on its way to the encoder: its events already
// JSON-encoded and comma-separated, so a record is header + events + footer, gzipped.
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/journal_position.hpp"
#include "core/source_key.hpp"

namespace kinesyslog {

struct ClosedBatch {
  SourceKey key;
  std::string events_json;               // `{"id":…},{"id":…}` with no surrounding brackets
  std::vector<uint32_t> event_ends;      // offset just past each event's closing brace in events_json
  uint64_t raw_bytes = 0;                // sum of the messages' own sizes (what --flush-size counts)
  WallTime first_received{};             // receive time of the oldest event (for delivery latency)
  JournalId journal{};                   // the journal that holds these events (when journaled)
  std::vector<JournalSeq> journal_seqs;  // each event's position there, parallel to event_ends; empty: not journaled

  size_t event_count() const { return event_ends.size(); }
};

}  // namespace kinesyslog
