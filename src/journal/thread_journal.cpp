#include "journal/thread_journal.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/io.hpp"
#include "journal/journal_format.hpp"

namespace kinesyslog::journal {

ThreadJournal::ThreadJournal(JournalId id, JournalOptions options, JournalReporter& reporter)
    : id_(id), options_(std::move(options)), reporter_(reporter) {
  wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_) throw std::system_error(errno, std::generic_category(), "eventfd for the journal");
  if (options_.directory.empty()) return;  // memory only

  std::lock_guard lock(mutex_);
  if (::mkdir(options_.directory.c_str(), 0700) != 0 && errno != EEXIST) {  // private: every sender's messages
    const int error = errno;
    fail(fmt::format("creating the journal directory {}", options_.directory.string()), error);
    return;
  }
  directory_fd_.reset(::open(options_.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory_fd_) {
    fail(fmt::format("opening the journal directory {}", options_.directory.string()), errno);
    return;
  }
  if (!open_segment(1)) return;
  sync_thread_ = std::jthread([this](const std::stop_token& stop) { sync_loop(stop); });
}

ThreadJournal::~ThreadJournal() { close(); }

JournalSeq ThreadJournal::append(const SourceKey& key, WallTime received, uint64_t raw_bytes,
                                 std::string_view json_fragment) {
  if (buffered_count_ == 0) {
    buffered_first_ = next_seq_;
    entry_buffers_[current_entries_].clear();
    previous_received_nanos_ = 0;
  }
  // Memory only or failed: the seq is all that is needed (settlement still counts it).
  if (directory_fd_ && !failed()) {
    append_entry(entry_buffers_[current_entries_], key, received, raw_bytes, json_fragment, previous_received_nanos_);
  }
  ++buffered_count_;
  appended_through_.store(next_seq_, std::memory_order_release);
  const JournalSeq seq = next_seq_++;
  // A round that brings a flood (thousands of partial messages cut at once) is written in
  // pieces, so the buffers, which keep their size for reuse, stay small.
  if (entry_buffers_[current_entries_].size() >= kMaxBlockEntryBytes) flush();
  return seq;
}

void ThreadJournal::flush() {
  if (buffered_count_ == 0) return;
  const JournalSeq first = buffered_first_;
  const uint32_t count = std::exchange(buffered_count_, 0);
  const JournalSeq last = first + count - 1;
  const std::string& entries = entry_buffers_[current_entries_];
  if (!directory_fd_ || failed() || entries.empty()) return;

  std::shared_ptr<UniqueFd> fd;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || failed()) return;
    const Segment& active = segments_.back();
    const bool holds_entries = active.last_seq >= active.first_seq;
    // By the uncompressed size: whether to rotate decides how the block is compressed.
    if (holds_entries && active_bytes_ + kBlockHeaderSize + entries.size() > options_.segment_bytes) {
      rotated_unsynced_.push_back(std::move(active_fd_));
      if (!open_segment(first)) return;
      compressor_.restart();  // a segment is read on its own
    }
    fd = active_fd_;
  }
  block_.clear();
  compressor_.append_block(block_, entries, first, count);
  current_entries_ ^= 1;  // these entries stay as the next block's dictionary
  // Outside the lock: settle() and the sync thread go on while the block is written.
  const int error = write_all(fd->get(), block_);
  std::lock_guard lock(mutex_);
  if (error != 0) {
    // Only this thread rotates: the segment written is still the newest.
    fail(fmt::format("writing journal segment {}", segments_.back().name), error);
    return;
  }
  reporter_.bytes_written(block_.size());
  active_bytes_ += block_.size();
  segments_.back().last_seq = last;
  written_through_ = last;
  if (sync_wanted_through_ > synced_through_) wake_sync_.notify_one();
}

void ThreadJournal::want_sync() {
  std::lock_guard lock(mutex_);
  sync_wanted_through_ = std::max(sync_wanted_through_, appended_through_.load(std::memory_order_acquire));
  wake_sync_.notify_one();
}

void ThreadJournal::settle(std::span<const JournalSeq> seqs) {
  std::lock_guard lock(mutex_);
  JournalSeq settled = settled_through_.load(std::memory_order_relaxed);
  const JournalSeq appended = appended_through_.load(std::memory_order_acquire);
  for (const JournalSeq seq : seqs) {
    if (seq <= settled || seq > appended) continue;  // settled already, or no such event
    const size_t slot = seq - settled - 1;
    if (slot >= settled_after_watermark_.size()) settled_after_watermark_.resize(slot + 1);
    settled_after_watermark_[slot] = true;
  }
  const JournalSeq before = settled;
  while (!settled_after_watermark_.empty() && settled_after_watermark_.front()) {
    settled_after_watermark_.pop_front();
    ++settled;
  }
  if (settled == before) return;
  settled_through_.store(settled, std::memory_order_release);
  publish_durable();
  delete_settled_segments();
}

void ThreadJournal::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
  }
  flush();
  if (sync_thread_.joinable()) {
    sync_thread_.request_stop();
    sync_thread_.join();
  }
  std::unique_lock lock(mutex_);
  closed_ = true;
  if (directory_fd_) sync_once(lock);
  active_fd_.reset();
  publish_durable();
  delete_settled_segments();  // the last segment takes no more writes: it goes once settled
}

bool ThreadJournal::open_segment(JournalSeq first_seq) {
  const uint32_t index = next_segment_index_++;
  std::string name = segment_file_name(id_, index);
  UniqueFd fd(::openat(directory_fd_.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
  if (!fd) {
    fail(fmt::format("creating journal segment {}", name), errno);
    return false;
  }
  std::string header;
  append_file_header(header, FileHeader{FileKind::kSegment, id_, index});
  if (const int error = write_all(fd.get(), header); error != 0) {
    ::unlinkat(directory_fd_.get(), name.c_str(), 0);
    fail(fmt::format("writing journal segment {}", name), error);
    return false;
  }
  reporter_.bytes_written(header.size());
  reporter_.segments_changed(1);
  segments_.push_back(Segment{index, first_seq, first_seq - 1, std::move(name)});
  if (segments_.size() == 1) oldest_live_seq_.store(first_seq, std::memory_order_release);
  active_fd_ = std::make_shared<UniqueFd>(std::move(fd));
  active_bytes_ = header.size();
  directory_dirty_ = true;
  return true;
}

void ThreadJournal::fail(std::string_view what, int error) {
  if (failed_.exchange(true, std::memory_order_acq_rel)) return;
  reporter_.failed(fmt::format("{}: {}; the journal stops writing", what, std::strerror(error)));
  wake_sync_.notify_one();
}

void ThreadJournal::sync_loop(const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    // At least a millisecond: an interval of 0 would spin.
    const auto interval = std::max(options_.sync_interval, std::chrono::milliseconds(1));
    wake_sync_.wait_for(lock, stop, interval, [this] {
      return sync_wanted_through_ > synced_through_ && written_through_ > synced_through_;
    });
    if (stop.stop_requested()) break;  // close() syncs the rest itself
    sync_once(lock);
  }
}

void ThreadJournal::sync_once(std::unique_lock<std::mutex>& lock) {
  if (failed()) return;
  const bool new_data = written_through_ > synced_through_;
  if (!new_data && rotated_unsynced_.empty() && !directory_dirty_) return;
  const JournalSeq target = written_through_;
  std::vector<std::shared_ptr<UniqueFd>> fds = std::exchange(rotated_unsynced_, {});
  if (new_data && active_fd_) fds.push_back(active_fd_);
  const bool sync_directory_too = std::exchange(directory_dirty_, false);
  lock.unlock();
  const auto start = std::chrono::steady_clock::now();
  int error = 0;
  for (const auto& fd : fds) {
    if (error == 0) error = data_sync(fd->get());
  }
  // A new segment's name must survive a crash too, or its synced entries are unreachable.
  if (error == 0 && sync_directory_too) error = sync_directory(directory_fd_.get());
  const auto latency = std::chrono::steady_clock::now() - start;
  fds.clear();  // rotated segments close here, after their sync
  lock.lock();
  if (error != 0) {
    fail(fmt::format("syncing journal {}-{}", id_.run, id_.thread), error);
    publish_durable();
    return;
  }
  reporter_.synced(latency);
  synced_through_ = std::max(synced_through_, target);
  publish_durable();
}

void ThreadJournal::publish_durable() {
  // A failed journal's unsynced events become "durable" only once they are in a record.
  const JournalSeq durable = std::max(synced_through_, settled_through_.load(std::memory_order_relaxed));
  if (durable <= durable_through_.load(std::memory_order_relaxed)) return;
  durable_through_.store(durable, std::memory_order_release);
  signal_wake();
}

void ThreadJournal::delete_settled_segments() {
  const JournalSeq settled = settled_through_.load(std::memory_order_relaxed);
  while (!segments_.empty()) {
    const Segment& oldest = segments_.front();
    const bool takes_writes = segments_.size() == 1 && !closed_;
    if (takes_writes || oldest.last_seq > settled) break;
    if (::unlinkat(directory_fd_.get(), oldest.name.c_str(), 0) != 0 && errno != ENOENT) {
      reporter_.failed(fmt::format("deleting settled journal segment {}: {}", oldest.name, std::strerror(errno)));
    }
    reporter_.segments_changed(-1);
    segments_.pop_front();
  }
  const JournalSeq oldest_live =
      segments_.empty() ? appended_through_.load(std::memory_order_acquire) + 1 : segments_.front().first_seq;
  oldest_live_seq_.store(oldest_live, std::memory_order_release);
}

void ThreadJournal::signal_wake() const {
  const uint64_t one = 1;
  // EAGAIN (the counter is at its maximum) still leaves the fd readable.
  [[maybe_unused]] const ssize_t ignored = ::write(wake_fd_.get(), &one, sizeof one);
}

}  // namespace kinesyslog::journal
