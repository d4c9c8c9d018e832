#include "core/clock.hpp"

namespace kinesyslog {

WallTime SystemClock::now() const { return std::chrono::system_clock::now(); }
SteadyTime SystemClock::steady_now() const { return std::chrono::steady_clock::now(); }

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

ManualClock::ManualClock(WallTime start)
    : wall_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count()) {}

WallTime ManualClock::now() const {
  return WallTime{std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds{wall_ns_.load()})};
}

SteadyTime ManualClock::steady_now() const {
  return SteadyTime{std::chrono::duration_cast<SteadyTime::duration>(std::chrono::nanoseconds{steady_ns_.load()})};
}

void ManualClock::set(WallTime wall) {
  const auto target = std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count();
  const auto delta = target - wall_ns_.load();
  wall_ns_.store(target);
  if (delta > 0) steady_ns_.fetch_add(delta);
}

void ManualClock::advance(std::chrono::nanoseconds by) {
  wall_ns_.fetch_add(by.count());
  steady_ns_.fetch_add(by.count());
}

}  // namespace kinesyslog
