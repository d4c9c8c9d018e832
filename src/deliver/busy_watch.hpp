#pragma once
// Since when the delivery thread has been inside one destination call or one spool operation,
// for DeliveryLoop::stalled(). Waiting between them is never busy. Read from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"

namespace kinesyslog::deliver {

class BusyWatch {
 public:
  explicit BusyWatch(const Clock& clock) : clock_(clock) {}

  // While alive, the thread is inside one destination call or one spool operation.
  class Scope {
   public:
    explicit Scope(BusyWatch& watch) : watch_(watch) {
      watch_.since_ns_.store(steady_ns(watch_.clock_.steady_now()), std::memory_order_relaxed);
    }
    ~Scope() { watch_.since_ns_.store(kNotBusy, std::memory_order_relaxed); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    BusyWatch& watch_;
  };

  // Inside one call or operation for more than `limit` by now.
  bool busy_longer_than(std::chrono::nanoseconds limit) const {
    const int64_t since = since_ns_.load(std::memory_order_relaxed);
    if (since == kNotBusy) return false;
    return steady_ns(clock_.steady_now()) - since > limit.count();
  }

 private:
  static constexpr int64_t kNotBusy = INT64_MAX;
  static int64_t steady_ns(SteadyTime time) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  }

  const Clock& clock_;
  std::atomic<int64_t> since_ns_{kNotBusy};
};

}  // namespace kinesyslog::deliver
