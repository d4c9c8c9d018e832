#pragma once
// Runs a command line through /bin/sh -c with a deadline, as credential_process is run
// (the SDKs run it through a shell-like split; a real shell handles quoting the way users expect).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace kinesyslog::aws {

struct ShellCommandOutcome {
  std::string standard_output;
  std::optional<int> exit_code;    // set when the command exited
  std::optional<int> signal;       // set when it was killed by a signal
  bool timed_out = false;          // killed (with its process group) at the deadline
  bool output_too_large = false;   // killed because stdout passed the limit
};

struct ShellCommandLimits {
  std::chrono::milliseconds timeout{60'000};
  std::size_t max_output_bytes = 1 << 20;
};

// Runs `command` with stdin from /dev/null; each line it writes to stderr goes to `on_stderr_line`.
// The command runs in its own process group, which is killed at the deadline. Throws
// std::system_error when the shell cannot be started.
ShellCommandOutcome run_shell_command(const std::string& command, const ShellCommandLimits& limits,
                                      const Clock& clock,
                                      const std::function<void(std::string_view line)>& on_stderr_line);

}  // namespace kinesyslog::aws
