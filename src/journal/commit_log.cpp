#include "journal/commit_log.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/io.hpp"
#include "journal/journal_format.hpp"
#include "journal/thread_journal.hpp"

namespace kinesyslog::journal {

CommitLog::CommitLog(std::filesystem::path directory, uint64_t run, JournalReporter& reporter, uint64_t file_bytes)
    : directory_(std::move(directory)), run_(run), reporter_(reporter), file_bytes_(file_bytes) {
  // Private as the spool's records are: the journal holds every message of every sender.
  if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::system_error(errno, std::generic_category(), "creating " + directory_.string());
  }
  directory_fd_.reset(::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory_fd_) throw std::system_error(errno, std::generic_category(), "opening " + directory_.string());
  std::lock_guard lock(mutex_);
  open_file();
}

CommitLog::~CommitLog() {
  std::lock_guard lock(mutex_);
  // The journals may be gone already: their files on disk answer instead.
  watched_.clear();
  // The current file too, at the end of a run whose segments are all gone (a clean shutdown).
  if (!current_.path.empty()) rotated_.push_back(std::move(current_));
  remove_obsolete_files_locked();
}

void CommitLog::commit(std::string_view record_name, const JournalId& journal, std::span<const JournalSeq> seqs) {
  const JournalSeqs one{journal, seqs};
  commit(record_name, std::span<const JournalSeqs>(&one, 1));
}

void CommitLog::commit(std::string_view record_name, std::span<const JournalSeqs> journals) {
  const RecordCommit entry{record_name, journals};
  commit(std::span<const RecordCommit>(&entry, 1));
}

void CommitLog::append_locked(const RecordCommit& entry) {
  if (!fd_) open_file();  // after a failed sync, a fresh file (the old one's pages are in doubt)
  entry_.clear();
  append_commit_header(entry_, entry.record_name, entry.journals.size());
  for (const JournalSeqs& group : entry.journals) {
    sorted_.assign(group.seqs.begin(), group.seqs.end());
    std::sort(sorted_.begin(), sorted_.end());
    sorted_.erase(sorted_.begin(), std::upper_bound(sorted_.begin(), sorted_.end(), JournalSeq{0}));
    append_commit_journal(entry_, group.journal, sorted_);
    if (!sorted_.empty()) {
      JournalSeq& highest = current_.highest_seq[group.journal];
      highest = std::max(highest, sorted_.back());
    }
  }
  block_.clear();
  append_block(block_, compressed_, entry_, 0, 1);

  if (file_size_ > kFileHeaderSize && file_size_ + block_.size() > file_bytes_) {
    // Everything appended so far is in the old file: one sync makes it all durable.
    const int error = data_sync(fd_->get());
    if (error != 0) {
      fd_.reset();
      failed_through_ = appended_;
      synced_.notify_all();
      reporter_.failed(fmt::format("syncing commit log {}: {}", current_.path.string(), std::strerror(error)));
      throw std::system_error(error, std::generic_category(), "syncing the journal's commit log");
    }
    durable_ = appended_;
    synced_.notify_all();
    open_file();
  }
  if (const int error = write_all(fd_->get(), block_); error != 0) {
    // A partial entry is cut off again, so later entries do not follow damage.
    if (::ftruncate(fd_->get(), static_cast<off_t>(file_size_)) != 0) fd_.reset();
    reporter_.failed(fmt::format("writing commit log {}: {}", current_.path.string(), std::strerror(error)));
    throw std::system_error(error, std::generic_category(), "writing the journal's commit log");
  }
  file_size_ += block_.size();
  reporter_.bytes_written(block_.size());
  ++appended_;
}

void CommitLog::commit(std::span<const RecordCommit> entries) {
  if (entries.empty()) return;
  std::unique_lock lock(mutex_);
  for (const RecordCommit& entry : entries) append_locked(entry);
  const uint64_t ticket = appended_;

  // Group commit: the first waiter syncs for every entry appended before its sync began.
  while (durable_ < ticket) {
    if (failed_through_ >= ticket) {
      throw std::system_error(EIO, std::generic_category(), "syncing the journal's commit log");
    }
    if (leader_syncing_) {
      synced_.wait(lock);
      continue;
    }
    leader_syncing_ = true;
    const uint64_t target = appended_;
    const std::shared_ptr<UniqueFd> fd = fd_;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    const int error = data_sync(fd->get());
    const auto latency = std::chrono::steady_clock::now() - start;
    lock.lock();
    leader_syncing_ = false;
    if (error == 0) {
      ++syncs_;
      reporter_.synced(latency);
      durable_ = std::max(durable_, target);
    } else {
      failed_through_ = std::max(failed_through_, target);
      if (fd_ == fd) fd_.reset();
      reporter_.failed(fmt::format("syncing commit log: {}", std::strerror(error)));
    }
    synced_.notify_all();
  }
  if (!rotated_.empty()) remove_obsolete_files_locked();
}

void CommitLog::watch(const ThreadJournal& journal) {
  std::lock_guard lock(mutex_);
  watched_[journal.id()] = &journal;
}

void CommitLog::forget(const JournalId& journal) {
  std::lock_guard lock(mutex_);
  watched_.erase(journal);
}

void CommitLog::remove_obsolete_files() {
  std::lock_guard lock(mutex_);
  remove_obsolete_files_locked();
}

uint64_t CommitLog::syncs() const {
  std::lock_guard lock(mutex_);
  return syncs_;
}

void CommitLog::open_file() {
  const uint32_t index = ++file_index_;
  if (!current_.path.empty()) rotated_.push_back(std::move(current_));  // deleted once obsolete
  current_ = FileSpan{};
  current_.path = directory_ / commit_file_name(run_, index);
  UniqueFd fd(::open(current_.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
  std::string header;
  append_file_header(header, FileHeader{FileKind::kCommitLog, JournalId{run_, 0}, index});
  int error = fd ? write_all(fd.get(), header) : errno;
  // The name must survive a crash before any entry in the file counts as durable.
  if (error == 0) error = data_sync(fd.get());
  if (error == 0) error = sync_directory(directory_fd_.get());
  if (error != 0) {
    reporter_.failed(fmt::format("creating commit log {}: {}", current_.path.string(), std::strerror(error)));
    throw std::system_error(error, std::generic_category(), "creating " + current_.path.string());
  }
  reporter_.bytes_written(header.size());
  fd_ = std::make_shared<UniqueFd>(std::move(fd));
  file_size_ = header.size();
}

bool CommitLog::segments_gone(const JournalId& journal, JournalSeq through,
                              std::optional<std::set<JournalId>>& journals_on_disk) const {
  if (const auto watched = watched_.find(journal); watched != watched_.end()) {
    return watched->second->oldest_live_seq() > through;
  }
  if (!journals_on_disk) {
    // Not a journal of this process (recovery's, or one already forgotten): any of its segments left?
    journals_on_disk.emplace();
    std::error_code error;
    for (const auto& file : std::filesystem::directory_iterator(directory_, error)) {
      const auto parsed = parse_file_name(file.path().filename().string());
      if (parsed && parsed->kind == FileKind::kSegment) journals_on_disk->insert(parsed->journal);
    }
    if (error) return false;
  }
  return !journals_on_disk->contains(journal);
}

void CommitLog::remove_obsolete_files_locked() {
  std::optional<std::set<JournalId>> journals_on_disk;
  bool directory_synced = false;
  std::erase_if(rotated_, [&](const FileSpan& file) {
    const bool obsolete = std::all_of(file.highest_seq.begin(), file.highest_seq.end(), [&](const auto& entry) {
      return segments_gone(entry.first, entry.second, journals_on_disk);
    });
    if (!obsolete) return false;
    // The segments' deletions first: were they undone by a crash, their entries must still be named.
    if (!directory_synced) directory_synced = sync_directory(directory_fd_.get()) == 0;
    if (!directory_synced) return false;
    if (::unlink(file.path.c_str()) != 0 && errno != ENOENT) {
      reporter_.failed(fmt::format("deleting commit log {}: {}", file.path.string(), std::strerror(errno)));
    }
    return true;
  });
}

}  // namespace kinesyslog::journal
