#pragma once
// This run's write-ahead journal: one ThreadJournal per I/O thread and the commit log they
// share, in <spool>/journal/. The journal's reports become the kinesyslog_journal_* metrics.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/journal_position.hpp"
#include "core/rate_limited_log.hpp"
#include "journal/commit_log.hpp"
#include "journal/journal_reporter.hpp"
#include "journal/thread_journal.hpp"
#include "metrics/journal_counters.hpp"

namespace kinesyslog::relay {

inline constexpr std::string_view kJournalDirectoryName = "journal";

// What the journal reports, counted for /metrics; failures also logged (rate-limited: a dead
// disk fails every round).
class JournalCounts final : public journal::JournalReporter {
 public:
  JournalCounts(metrics::JournalCounters& counters, const Clock& clock) : counters_(counters), error_log_(clock) {}
  void bytes_written(uint64_t bytes) override { counters_.bytes.fetch_add(bytes, std::memory_order_relaxed); }
  void synced(std::chrono::nanoseconds latency) override { counters_.syncs.observe(latency); }
  void segments_changed(int64_t delta) override { counters_.segments.fetch_add(delta, std::memory_order_relaxed); }
  void failed(std::string_view what) override;

 private:
  metrics::JournalCounters& counters_;
  RateLimitedLog error_log_;
};

class JournalSet {
 public:
  // Creates <spool>/journal and the commit log (throws std::system_error when it cannot: the
  // relay would promise a durability it does not have) and `threads` journals of run `run`.
  // A `sync` of zero (the journal off) gives journals in memory only: no files, and an event is
  // durable once its record is spooled, which is what RELP acknowledgements then wait for.
  JournalSet(const std::filesystem::path& spool_dir, uint64_t run, size_t threads, std::chrono::milliseconds sync,
             journal::JournalReporter& reporter);
  ~JournalSet();  // close(), then the journal directory goes if nothing is left in it
  JournalSet(const JournalSet&) = delete;
  JournalSet& operator=(const JournalSet&) = delete;

  journal::ThreadJournal& thread_journal(size_t index) { return *journals_[index]; }
  // The journal of this run with that id; nullptr for another run's (recovery replays those).
  journal::ThreadJournal* find(const JournalId& id);
  // Whether events are written to disk (else they are durable only once spooled).
  bool on_disk() const { return commit_log_ != nullptr; }
  journal::CommitLog& commit_log() { return *commit_log_; }
  // Once the I/O threads and encoders stopped: the last flush and sync of every journal.
  // Segments whose events are all in published records are gone; the others wait for the next start.
  void close();

 private:
  std::filesystem::path directory_;
  uint64_t run_;
  std::unique_ptr<journal::CommitLog> commit_log_;
  std::vector<std::unique_ptr<journal::ThreadJournal>> journals_;
  bool closed_ = false;
};

std::filesystem::path journal_directory(const std::filesystem::path& spool_dir);

}  // namespace kinesyslog::relay
