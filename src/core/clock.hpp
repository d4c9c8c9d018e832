#pragma once
// Time comes in from outside: types that need "now" take a Clock, so tests
// can set the date (year inference, flush ages, retry backoff) instead of sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace kinesyslog {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime now() const = 0;           // wall time: event timestamps, object names
  virtual SteadyTime steady_now() const = 0;  // monotonic: ages, timeouts, backoff
};

// The one place the process reads the real clocks.
class SystemClock final : public Clock {
 public:
  WallTime now() const override;
  SteadyTime steady_now() const override;
  static const SystemClock& instance();
};

// A clock tests set and advance by hand; safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime{});
  WallTime now() const override;
  SteadyTime steady_now() const override;
  void set(WallTime wall);
  void advance(std::chrono::nanoseconds by);

 private:
  std::atomic<int64_t> wall_ns_;
  std::atomic<int64_t> steady_ns_{0};
};

inline int64_t to_unix_millis(WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace kinesyslog
