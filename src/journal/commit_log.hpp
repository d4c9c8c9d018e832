#pragma once
// The journal's commit log: "spool record <name> holds these seqs of journal <id>". An entry is
// appended after the record's temporary file is synced and before it is renamed into place, so
// recovery can tell published events (skip them) and half-published records (roll them
// forward). One per run, shared by all publishers: concurrent commits share one fdatasync.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/journal_position.hpp"
#include "core/unique_fd.hpp"
#include "journal/journal_reporter.hpp"

namespace kinesyslog::journal {

class ThreadJournal;

// The events of one journal that a record holds.
struct JournalSeqs {
  JournalId journal;
  std::span<const JournalSeq> seqs;
};

// One record's entry: its temporary name and the events it holds.
struct RecordCommit {
  std::string_view record_name;
  std::span<const JournalSeqs> journals;
};

class CommitLog {
 public:
  // Creates the directory if needed and the first commit file; throws std::system_error when
  // that fails (the relay cannot promise durability without it).
  CommitLog(std::filesystem::path directory, uint64_t run, JournalReporter& reporter,
            uint64_t file_bytes = uint64_t{4} << 20);
  ~CommitLog();
  CommitLog(const CommitLog&) = delete;
  CommitLog& operator=(const CommitLog&) = delete;

  // Appends one entry and returns once it is durable (one fdatasync shared with every commit
  // appended meanwhile). Throws std::system_error (after reporting it) when the entry could not
  // be written or synced: the record's events are then not known to be published.
  void commit(std::string_view record_name, const JournalId& journal, std::span<const JournalSeq> seqs);
  // The same for a record holding events of several journals (one entry).
  void commit(std::string_view record_name, std::span<const JournalSeqs> journals);
  // Many entries (a group commit of the spool), durable together by one fdatasync. On failure
  // none of them counts as durable.
  void commit(std::span<const RecordCommit> entries);

  // Commit files are deleted once every segment their entries refer to is gone. A watched
  // journal answers that from memory; for others the directory is looked at. A watched journal
  // must be forgotten before it is destroyed (or the CommitLog destroyed first).
  void watch(const ThreadJournal& journal);
  void forget(const JournalId& journal);
  // Deletes the rotated commit files whose segments are all gone (commit() does it too).
  void remove_obsolete_files();

  // The group syncs made so far (tests count group commits with it).
  uint64_t syncs() const;

 private:
  // What a rotated commit file refers to: per journal, the highest seq named.
  struct FileSpan {
    std::filesystem::path path;
    std::map<JournalId, JournalSeq> highest_seq;
  };

  void open_file();                               // requires mutex_; throws
  void append_locked(const RecordCommit& entry);  // requires mutex_; throws
  // Requires mutex_; `journals_on_disk` caches a directory listing across calls.
  bool segments_gone(const JournalId& journal, JournalSeq through,
                     std::optional<std::set<JournalId>>& journals_on_disk) const;
  void remove_obsolete_files_locked();

  const std::filesystem::path directory_;
  const uint64_t run_;
  JournalReporter& reporter_;
  const uint64_t file_bytes_;
  UniqueFd directory_fd_;

  mutable std::mutex mutex_;
  std::condition_variable synced_;
  std::shared_ptr<UniqueFd> fd_;
  uint32_t file_index_ = 0;
  uint64_t file_size_ = 0;
  FileSpan current_;
  std::vector<FileSpan> rotated_;
  uint64_t appended_ = 0;  // entries appended (tickets)
  uint64_t durable_ = 0;   // entries <= this ticket are durable
  bool leader_syncing_ = false;
  uint64_t syncs_ = 0;
  uint64_t failed_through_ = 0;  // entries <= this ticket were in a failed sync
  std::string entry_;            // reused encoding buffers
  std::string block_;
  std::string compressed_;
  std::vector<JournalSeq> sorted_;
  std::map<JournalId, const ThreadJournal*> watched_;
};

}  // namespace kinesyslog::journal
