#pragma once
// systemd's notify protocol (sd_notify(3), Type=notify in the installed unit): READY=1 once
// every listener is bound, STOPPING=1 on shutdown, STATUS= lines for `systemctl status`, and
// WATCHDOG=1 at half of WATCHDOG_USEC while the relay's I/O threads run. Every call is a
// no-op when NOTIFY_SOCKET is unset (not started by systemd).
#include <chrono>
#include <functional>
#include <stop_token>
#include <string_view>
#include <thread>

#include "core/stoppable_sleep.hpp"

namespace kinesyslog::relay {

class ServiceNotifier {
 public:
  void ready(std::string_view status) const;
  void stopping(std::string_view status) const;
};

class WatchdogPinger {
 public:
  // Starts pinging when systemd asked for a watchdog (WATCHDOG_USEC); `alive` is asked before
  // each ping, so a relay whose I/O threads died is restarted by systemd.
  explicit WatchdogPinger(std::function<bool()> alive);
  ~WatchdogPinger();
  WatchdogPinger(const WatchdogPinger&) = delete;
  WatchdogPinger& operator=(const WatchdogPinger&) = delete;

 private:
  void run(std::stop_token stop);

  std::function<bool()> alive_;
  std::chrono::microseconds interval_{0};
  StoppableSleep pause_;  // between pings; the destructor cuts it short
  std::jthread thread_;
};

}  // namespace kinesyslog::relay
