#include "core/rate_limited_log.hpp"

namespace kinesyslog {

namespace {
constexpr std::string_view kSharedCause = "(other causes)";
}

RateLimitedLog::RateLimitedLog(const Clock& clock, std::chrono::nanoseconds interval)
    : clock_(clock), interval_(interval) {}

std::optional<uint64_t> RateLimitedLog::admit(std::string_view cause) {
  const SteadyTime now = clock_.steady_now();
  std::lock_guard lock(mutex_);
  auto window = windows_.find(cause);
  if (window == windows_.end()) {
    if (windows_.size() >= kMaxCauses) cause = kSharedCause;
    window = windows_.try_emplace(std::string(cause)).first;
  }
  if (now < window->second.next_report) {
    ++window->second.held_back;
    return std::nullopt;
  }
  window->second.next_report = now + interval_;
  return std::exchange(window->second.held_back, 0);
}

}  // namespace kinesyslog
