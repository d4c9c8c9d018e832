#include "relay/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <spdlog/spdlog.h>
#include <cstring>
#include <string>

namespace kinesyslog::relay {
namespace {

void notify(const std::string& state) {
  const int sent = ::sd_notify(0, state.c_str());
  if (sent < 0) spdlog::debug("sd_notify failed: {}", std::strerror(-sent));
}

// STATUS= is one line: a newline would start another assignment.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

void ServiceNotifier::ready(std::string_view status) const { notify("READY=1\nSTATUS=" + one_line(status)); }

void ServiceNotifier::stopping(std::string_view status) const { notify("STOPPING=1\nSTATUS=" + one_line(status)); }


WatchdogPinger::WatchdogPinger(std::function<bool()> alive) : alive_(std::move(alive)) {
  uint64_t microseconds = 0;
  if (::sd_watchdog_enabled(0, &microseconds) <= 0 || microseconds == 0) return;
  // sd_watchdog_enabled(3): ping at half the interval, so one late ping is not fatal.
  interval_ = std::chrono::microseconds(microseconds / 2);
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

WatchdogPinger::~WatchdogPinger() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void WatchdogPinger::run(std::stop_token stop) {
  bool warned = false;
  while (!stop.stop_requested()) {
    if (pause_.sleep_for(stop, interval_)) return;
    if (alive_()) {
      notify("WATCHDOG=1");
    } else if (!warned) {
      spdlog::critical("an I/O thread stopped: no longer answering the systemd watchdog, so systemd restarts the relay");
      warned = true;
    }
  }
}

}  // namespace kinesyslog::relay
