#pragma once
// Reading back the journal of earlier runs at start, before any new journal is opened: which
// half-published records to roll forward, and which events no published record holds (rebuilt
// into batches with their original ids and timestamps). Damaged data never throws: a torn tail
// (a crash mid-write) is dropped, a segment damaged elsewhere is moved to `quarantine/`.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/journal_position.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::journal {

struct RecoveredEntry {
  JournalSeq seq = 0;
  SourceKey key;
  WallTime received{};
  uint64_t raw_bytes = 0;
  std::string_view json;  // the event's JSON fragment, valid during the callback only
};

struct RecoveryCounts {
  uint64_t segments_read = 0;
  uint64_t entries_replayed = 0;   // handed to for_each_unpublished's callback
  uint64_t entries_published = 0;  // skipped: a commit entry names them
  uint64_t torn_tails_dropped = 0;
  uint64_t segments_quarantined = 0;
  uint64_t commit_logs_read = 0;
  uint64_t commit_logs_quarantined = 0;
};

class JournalRecovery {
 public:
  // Lists the segments and reads the commit logs of every run but `current_run` in `directory`
  // (a missing directory holds nothing). Throws std::filesystem::filesystem_error only when
  // the directory exists but cannot be read.
  JournalRecovery(std::filesystem::path directory, uint64_t current_run);

  // Temporary record names the commit logs name, in the order committed.
  const std::vector<std::string>& records_to_roll_forward() const { return records_to_roll_forward_; }

  using EntryCallback = std::function<void(const JournalId&, const RecoveredEntry&)>;
  // Reads every segment (oldest first; in seq order per journal) and hands over the entries no
  // commit entry names. Damaged segments are quarantined here. Call once.
  void for_each_unpublished(const EntryCallback& callback);

  // Deletes the segments read (quarantined ones are gone already), syncs the directory, then
  // the commit logs: a crash in between leaves commit entries that still cover old events.
  void remove_recovered_files();

  const RecoveryCounts& counts() const { return counts_; }

 private:
  struct SegmentFile {
    std::filesystem::path path;
    JournalId journal;
    uint32_t index = 0;
  };
  // Per journal: published seqs as disjoint ranges, first -> last.
  using SeqRanges = std::map<JournalSeq, JournalSeq>;

  void read_commit_log(const std::filesystem::path& path);
  void read_segment(const SegmentFile& segment, const EntryCallback& callback);
  bool published(const JournalId& journal, JournalSeq seq) const;
  void quarantine(const std::filesystem::path& path);

  std::filesystem::path directory_;
  uint64_t current_run_;
  std::vector<SegmentFile> segments_;
  std::vector<std::filesystem::path> commit_logs_;
  std::map<JournalId, SeqRanges> published_;
  std::vector<std::string> records_to_roll_forward_;
  std::vector<std::filesystem::path> segments_to_remove_;
  RecoveryCounts counts_;
};

}  // namespace kinesyslog::journal
