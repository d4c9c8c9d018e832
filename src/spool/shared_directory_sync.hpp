#pragma once
// Group commit for directory syncs: threads that need the same directory synced after their
// own rename share one fsync — a caller waits for a sync that started after its request, and
// whoever finds none running starts it for everybody waiting. Each record then costs its file's
// fdatasync and a share of one directory fsync, instead of both whole.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>

#include "spool/atomic_file.hpp"

namespace kinesyslog::spool {

class SharedDirectorySync {
 public:
  explicit SharedDirectorySync(DirectorySync directory_sync) : sync_(directory_sync) {}

  // Returns once a directory fsync that began after this call has succeeded; throws what that
  // fsync threw (std::system_error naming `what` of the thread that ran it).
  void sync(int dir_fd, const std::string& what);

 private:
  DirectorySync sync_;
  std::mutex mutex_;
  std::condition_variable done_;
  uint64_t requested_ = 0;  // tickets handed out
  uint64_t completed_ = 0;  // every ticket <= this is settled: synced, or in a failed round
  // Rounds whose fsync failed (rare; the oldest are forgotten): tickets first..last and the error.
  struct FailedRound {
    uint64_t first;
    uint64_t last;
    std::exception_ptr failure;
  };
  std::deque<FailedRound> failed_rounds_;
  bool running_ = false;
};

}  // namespace kinesyslog::spool
