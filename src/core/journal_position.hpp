#pragma once
// Where an event sits in the write-ahead journal: which journal (one per I/O thread and run)
// and its sequence number there. A closed batch carries the positions of its events so the
// record made from it can say which journal entries it holds (recovery replays only the rest).
#include <compare>
#include <cstdint>
#include <functional>

namespace kinesyslog {

struct JournalId {
  uint64_t run = 0;     // the relay run that wrote the journal (its start time, in nanoseconds)
  uint32_t thread = 0;  // the I/O thread that owns it

  friend bool operator==(const JournalId&, const JournalId&) = default;
  friend auto operator<=>(const JournalId&, const JournalId&) = default;  // ordered maps key by it
};

struct JournalIdHash {
  size_t operator()(const JournalId& id) const noexcept {
    return std::hash<uint64_t>{}(id.run * 0x9E3779B97F4A7C15ull ^ id.thread);
  }
};

// Sequence numbers start at 1 in each journal; 0 means "not journaled".
using JournalSeq = uint64_t;

}  // namespace kinesyslog
