#pragma once
// A log line for errors that can repeat per message or per connection (spool write failures,
// accept failures, delivery failures): the first of a cause is logged at once, later ones at
// most once per `interval`, saying how many were held back meanwhile. Thread-safe; the mutex
// is only taken on error paths.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/clock.hpp"

namespace kinesyslog {

class RateLimitedLog {
 public:
  // Causes remembered at once; past it, new causes share one window (memory stays bounded).
  static constexpr size_t kMaxCauses = 64;

  explicit RateLimitedLog(const Clock& clock, std::chrono::nanoseconds interval = std::chrono::seconds(60));

  // nullopt: hold this one back. Otherwise log now; the value is how many of `cause` were held
  // back since its last line.
  std::optional<uint64_t> admit(std::string_view cause);

  template <class... Args>
  void log(spdlog::level::level_enum level, std::string_view cause, fmt::format_string<Args...> format, Args&&... args) {
    const std::optional<uint64_t> held_back = admit(cause);
    if (!held_back) return;
    std::string text = fmt::format(format, std::forward<Args>(args)...);
    if (*held_back > 0) text += fmt::format(" ({} more like this since the last report)", *held_back);
    spdlog::log(level, "{}", text);
  }

 private:
  struct Window {
    SteadyTime next_report{};
    uint64_t held_back = 0;
  };

  const Clock& clock_;
  const std::chrono::nanoseconds interval_;
  std::mutex mutex_;
  std::map<std::string, Window, std::less<>> windows_;
};

}  // namespace kinesyslog
