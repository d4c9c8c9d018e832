#pragma once
// What the journal tells its owner (metrics, rate-limited error lines). Called from the
// journal's own threads (the sync thread, a committing publisher) and from the writer's thread,
// so implementations must be thread-safe and quick, and must not call back into the journal
// (some calls come with the journal's lock held).
#include <chrono>
#include <cstdint>
#include <string_view>

namespace kinesyslog::journal {

class JournalReporter {
 public:
  virtual ~JournalReporter() = default;
  // Bytes handed to write(2): segment blocks and commit log entries, headers included.
  virtual void bytes_written(uint64_t bytes) = 0;
  // One fdatasync (of a segment or a commit log) and how long it took.
  virtual void synced(std::chrono::nanoseconds latency) = 0;
  // Segment files created (+) or deleted (-).
  virtual void segments_changed(int64_t delta) = 0;
  // A write, sync, create or delete failed; `what` names the file and the error.
  virtual void failed(std::string_view what) = 0;
};

}  // namespace kinesyslog::journal
