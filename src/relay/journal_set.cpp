#include "relay/journal_set.hpp"

#include <system_error>

#include <spdlog/spdlog.h>

namespace kinesyslog::relay {

void JournalCounts::failed(std::string_view what) {
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  error_log_.log(spdlog::level::err, "journal", "journal: {}", what);
}

std::filesystem::path journal_directory(const std::filesystem::path& spool_dir) {
  return spool_dir / kJournalDirectoryName;
}

JournalSet::JournalSet(const std::filesystem::path& spool_dir, uint64_t run, size_t threads,
                       std::chrono::milliseconds sync, journal::JournalReporter& reporter)
    : directory_(journal_directory(spool_dir)), run_(run) {
  journal::JournalOptions options;
  if (sync.count() > 0) {
    commit_log_ = std::make_unique<journal::CommitLog>(directory_, run, reporter);
    options.directory = directory_;
    options.sync_interval = sync;
  }
  for (size_t i = 0; i < threads; ++i) {
    journals_.push_back(
        std::make_unique<journal::ThreadJournal>(JournalId{run, static_cast<uint32_t>(i)}, options, reporter));
    if (commit_log_) commit_log_->watch(*journals_.back());
  }
}

JournalSet::~JournalSet() {
  close();
  if (commit_log_) {
    for (const auto& journal : journals_) commit_log_->forget(journal->id());
  }
  journals_.clear();
  if (!commit_log_) return;  // memory only: no directory of ours
  commit_log_.reset();
  // A clean stop leaves no empty directory in the spool; one still holding files (events for the
  // next start, quarantine) stays.
  std::error_code error;
  std::filesystem::remove(directory_, error);
}

journal::ThreadJournal* JournalSet::find(const JournalId& id) {
  if (id.run != run_ || id.thread >= journals_.size()) return nullptr;
  return journals_[id.thread].get();
}

void JournalSet::close() {
  if (closed_) return;
  closed_ = true;
  for (const auto& journal : journals_) journal->close();
  if (commit_log_) commit_log_->remove_obsolete_files();
}

}  // namespace kinesyslog::relay
