#pragma once
// A JournalReporter that counts what it is told, and a wait for durable_through() by its wake fd.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <poll.h>
#include <sys/resource.h>

#include "journal/journal_reporter.hpp"
#include "journal/thread_journal.hpp"

namespace kinesyslog::journal::testing {

class CountingReporter final : public JournalReporter {
 public:
  void bytes_written(uint64_t bytes) override { bytes_ += bytes; }
  void synced(std::chrono::nanoseconds) override { ++syncs_; }
  void segments_changed(int64_t delta) override { segments_ += delta; }
  void failed(std::string_view what) override {
    std::lock_guard lock(mutex_);
    failures_.emplace_back(what);
  }

  uint64_t bytes() const { return bytes_; }
  uint64_t syncs() const { return syncs_; }
  int64_t segments() const { return segments_; }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<int64_t> segments_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> failures_;
};

// Waits (on the wake fd, as the RELP listener does) until durable_through() >= seq; false on timeout.
inline bool wait_durable(const ThreadJournal& journal, JournalSeq seq,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (journal.durable_through() < seq) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd wake{journal.wake_fd(), POLLIN, 0};
    if (::poll(&wake, 1, static_cast<int>(left.count())) > 0) {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t ignored = ::read(journal.wake_fd(), &count, sizeof count);
    }
  }
  return true;
}

// While it lives, files of this process cannot grow past `bytes`: write(2) fails with EFBIG
// (SIGXFSZ ignored) — a full disk without filling one.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uint64_t bytes) : previous_handler_(std::signal(SIGXFSZ, SIG_IGN)) {
    ::getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  void (*previous_handler_)(int);
  rlimit previous_{};
};

}  // namespace kinesyslog::journal::testing
