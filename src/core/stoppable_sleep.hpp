#pragma once
// A background thread's pause that a std::stop_token cuts short (the thread's owner asks it to
// stop and joins at once instead of waiting out the pause).
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace kinesyslog {

class StoppableSleep {
 public:
  // Returns after `duration`, or as soon as `stop` is requested: true when stopped.
  bool sleep_for(std::stop_token stop, std::chrono::nanoseconds duration) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, duration, [] { return false; });
    return stop.stop_requested();
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any wake_;
};

}  // namespace kinesyslog
