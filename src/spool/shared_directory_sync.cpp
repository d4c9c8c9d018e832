#include "spool/shared_directory_sync.hpp"

namespace kinesyslog::spool {
namespace {

// Waiters of a failed round wake within one round; older failures are of no use to anyone.
constexpr size_t kFailedRoundsKept = 64;

}  // namespace

void SharedDirectorySync::sync(int dir_fd, const std::string& what) {
  std::unique_lock lock(mutex_);
  const uint64_t ticket = ++requested_;
  while (completed_ < ticket) {
    if (running_) {
      done_.wait(lock);
      continue;
    }
    // Every ticket handed out so far is covered by a sync that starts now.
    running_ = true;
    const uint64_t first = completed_ + 1;
    const uint64_t last = requested_;
    lock.unlock();
    std::exception_ptr failure;
    try {
      sync_(dir_fd, what);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    running_ = false;
    completed_ = last;
    if (failure) {
      failed_rounds_.push_back(FailedRound{first, last, failure});
      if (failed_rounds_.size() > kFailedRoundsKept) failed_rounds_.pop_front();
    }
    done_.notify_all();
  }
  for (const FailedRound& round : failed_rounds_) {
    if (round.first <= ticket && ticket <= round.last) std::rethrow_exception(round.failure);
  }
}

}  // namespace kinesyslog::spool
