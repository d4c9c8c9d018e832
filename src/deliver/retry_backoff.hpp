#pragma once
// Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff
// And Jitter"): delay = random(0, min(cap, base · 2^attempt)).
#include <chrono>
#include <cstdint>
#include <random>

namespace kinesyslog::deliver {

class RetryBackoff {
 public:
  RetryBackoff(std::chrono::nanoseconds base, std::chrono::nanoseconds cap, uint64_t seed);

  // min(cap, base · 2^attempt); `attempt` counts the failures before this one (0 for the first).
  std::chrono::nanoseconds ceiling(uint32_t attempt) const;
  // A uniform fraction in [0, 1); one draw is shared by the records that failed in one call.
  double draw_fraction();
  std::chrono::nanoseconds delay(uint32_t attempt, double fraction) const;
  std::chrono::nanoseconds cap() const { return cap_; }

 private:
  std::chrono::nanoseconds base_;
  std::chrono::nanoseconds cap_;
  std::mt19937_64 random_;
};

}  // namespace kinesyslog::deliver
