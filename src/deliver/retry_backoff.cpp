#include "deliver/retry_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace kinesyslog::deliver {

RetryBackoff::RetryBackoff(std::chrono::nanoseconds base, std::chrono::nanoseconds cap, uint64_t seed)
    : base_(base), cap_(std::max(cap, base)), random_(seed) {}

std::chrono::nanoseconds RetryBackoff::ceiling(uint32_t attempt) const {
  // In floating point: base · 2^attempt overflows 64-bit nanoseconds after ~33 attempts of 1 s.
  const double grown = std::ldexp(static_cast<double>(base_.count()), static_cast<int>(std::min(attempt, 1000U)));
  const double capped = std::min(grown, static_cast<double>(cap_.count()));
  return std::chrono::nanoseconds{static_cast<int64_t>(capped)};
}

double RetryBackoff::draw_fraction() {
  // The top 53 bits of one draw, scaled to [0, 1) exactly as a double can hold them.
  return static_cast<double>(random_() >> 11) * 0x1.0p-53;
}

std::chrono::nanoseconds RetryBackoff::delay(uint32_t attempt, double fraction) const {
  const double scaled = static_cast<double>(ceiling(attempt).count()) * std::clamp(fraction, 0.0, 1.0);
  return std::chrono::nanoseconds{static_cast<int64_t>(scaled)};
}

}  // namespace kinesyslog::deliver
