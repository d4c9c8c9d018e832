#pragma once
// The write-ahead journal of one I/O thread: every accepted event is appended (already in the
// JSON form its batch holds), written once per event-loop round as one block, and made durable
// by a sync thread's fdatasync at most `sync_interval` later, or at once when asked.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/journal_position.hpp"
#include "core/source_key.hpp"
#include "core/unique_fd.hpp"
#include "journal/journal_format.hpp"
#include "journal/journal_reporter.hpp"

namespace kinesyslog::journal {

struct JournalOptions {
  // `<spool>/journal`; empty: memory only (no files, no sync thread, durable_through() ==
  // settled_through()), which keeps sequence numbers and settlement working without a disk.
  std::filesystem::path directory;
  std::chrono::milliseconds sync_interval{50};  // at least 1 ms is used

  uint64_t segment_bytes = uint64_t{64} << 20;
};

class ThreadJournal {
 public:
  // Buffered entries are written as soon as they reach this size, even in mid-round.
  static constexpr size_t kMaxBlockEntryBytes = size_t{256} << 10;

  // Creates the directory and the first segment. Never throws for I/O errors: they are reported
  // and leave the journal failed() (events still get sequence numbers and settle).
  ThreadJournal(JournalId id, JournalOptions options, JournalReporter& reporter);
  ~ThreadJournal();  // close()
  ThreadJournal(const ThreadJournal&) = delete;
  ThreadJournal& operator=(const ThreadJournal&) = delete;

  // --- the owning I/O thread only ---
  // Buffers one entry (and writes the buffer once it holds kMaxBlockEntryBytes); returns its seq (1, 2, ...).
  JournalSeq append(const SourceKey& key, WallTime received, uint64_t raw_bytes, std::string_view json_fragment);
  // Writes the buffered entries as one block (one write(2)); rotates the segment first when it
  // would grow past segment_bytes. Cheap when nothing is buffered.
  void flush();

  // --- any thread ---
  // Asks the sync thread to sync now (what is flushed already, or as soon as a flush follows).
  void want_sync();
  // Every seq <= this is on disk (or settled; see settle()). Memory only: settled_through().
  JournalSeq durable_through() const { return durable_through_.load(std::memory_order_acquire); }
  // An eventfd, readable after durable_through() advanced (read it to reset); open until destruction.
  int wake_fd() const { return wake_fd_.get(); }
  // These events are in a durably committed record, or given up (too large, spool full).
  // Segments whose events are all settled and that take no more writes are deleted, oldest
  // first: every appended seq must be settled some day, or the segments from its on stay.
  void settle(std::span<const JournalSeq> seqs);
  // Every seq <= this is settled.
  JournalSeq settled_through() const { return settled_through_.load(std::memory_order_acquire); }
  // The first seq of the oldest segment still on disk (events before it are in deleted
  // segments); the next seq to be appended when none is left.
  JournalSeq oldest_live_seq() const { return oldest_live_seq_.load(std::memory_order_acquire); }
  // A write or sync failed: nothing more is written, and durable_through() advances only
  // through settlement.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  const JournalId& id() const { return id_; }
  // Final flush (call it from the writer's thread, or once that thread is gone) and sync; stops
  // the sync thread. Idempotent. Segments still holding unsettled events stay for recovery.
  void close();

 private:
  struct Segment {
    uint32_t index = 0;
    JournalSeq first_seq = 0;  // of its first entry (the next seq when it was opened)
    JournalSeq last_seq = 0;   // of its last written entry; first_seq - 1 while empty
    std::string name;          // in the directory
  };

  bool open_segment(JournalSeq first_seq);      // requires mutex_; false (and failed) on error
  void fail(std::string_view what, int error);  // requires mutex_
  void sync_loop(const std::stop_token& stop);
  void sync_once(std::unique_lock<std::mutex>& lock);
  void publish_durable();          // requires mutex_
  void delete_settled_segments();  // requires mutex_
  void signal_wake() const;

  const JournalId id_;
  const JournalOptions options_;
  JournalReporter& reporter_;
  UniqueFd wake_fd_;
  UniqueFd directory_fd_;

  // Writer-thread state.
  JournalSeq next_seq_ = 1;
  JournalSeq buffered_first_ = 0;
  uint32_t buffered_count_ = 0;
  int64_t previous_received_nanos_ = 0;  // of the block's previous entry
  // The buffered entries, encoded; the other buffer holds the previous block's payload, the
  // dictionary its successor is compressed against.
  std::string entry_buffers_[2];
  int current_entries_ = 0;
  std::string block_;  // header + stored payload of the block being written
  ChainedCompressor compressor_;

  mutable std::mutex mutex_;
  std::condition_variable_any wake_sync_;
  std::deque<Segment> segments_;  // oldest first; the back one takes writes unless closed_
  std::shared_ptr<UniqueFd> active_fd_;
  uint64_t active_bytes_ = 0;
  std::vector<std::shared_ptr<UniqueFd>> rotated_unsynced_;  // synced (then closed) by the sync thread
  uint32_t next_segment_index_ = 1;
  bool directory_dirty_ = false;  // a segment was created: its name needs the directory synced
  bool closed_ = false;
  JournalSeq sync_wanted_through_ = 0;  // want_sync(): sync as soon as this much is written
  JournalSeq written_through_ = 0;
  JournalSeq synced_through_ = 0;
  std::deque<bool> settled_after_watermark_;  // [i]: seq settled_through_ + 1 + i is settled

  std::atomic<JournalSeq> appended_through_{0};
  std::atomic<JournalSeq> durable_through_{0};
  std::atomic<JournalSeq> settled_through_{0};
  std::atomic<JournalSeq> oldest_live_seq_{1};
  std::atomic<bool> failed_{false};
  std::jthread sync_thread_;
};

}  // namespace kinesyslog::journal
