#pragma once
// What the main thread waits for while the relay runs: SIGTERM, SIGINT and SIGHUP (blocked in
// every thread, read here from a signalfd), and a stop the process asks for itself, such as a
// definitive Firehose refusal that arrives after the listeners opened (an eventfd).
#include <signal.h>

#include <mutex>
#include <optional>
#include <string>

#include "core/unique_fd.hpp"

namespace kinesyslog::relay {

class StopSignals {
 public:
  // `signals` must already be blocked in every thread (pthread_sigmask before any thread starts).
  // Throws std::system_error when the descriptors cannot be made.
  explicit StopSignals(const sigset_t& signals);

  // Any thread: wait() returns as for SIGTERM; the first `reason` is kept for stop_reason().
  void request_stop(std::string reason);
  // Blocks until a signal of the set arrives (its number) or a stop is requested (SIGTERM).
  int wait();
  // Why request_stop() was called, if it was.
  std::optional<std::string> stop_reason() const;

 private:
  UniqueFd signal_fd_;
  UniqueFd request_fd_;
  mutable std::mutex mutex_;
  std::optional<std::string> reason_;
};

}  // namespace kinesyslog::relay
