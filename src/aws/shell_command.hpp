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
  std::size_t stderr_bytes_dropped = 0;  // stderr past ShellCommandLimits::max_stderr_bytes, read and dropped
};

struct ShellCommandLimits {
  std::chrono::milliseconds timeout{60'000};
  std::size_t max_output_bytes = 1 << 20;
  // stderr goes to the relay's log: room for any error report, not for a broken helper's flood.
  std::size_t max_stderr_bytes = 16 << 10;
};

// Runs `command` with stdin from /dev/null; each line it writes to stderr goes to `on_stderr_line`
// until max_stderr_bytes have gone (the rest is read and counted). The command runs in its own
// process group, which is killed at the deadline, with no signal blocked and every signal's
// disposition at its default (whatever the calling thread blocks or the process ignores). Throws
// std::system_error when the shell cannot be started.
ShellCommandOutcome run_shell_command(const std::string& command, const ShellCommandLimits& limits,
                                      const Clock& clock,
                                      const std::function<void(std::string_view line)>& on_stderr_line);

// The program a credential_process command line runs, for messages: its first word after any
// leading NAME=value assignments, unquoted ("'/opt/my helper' --token x" -> "/opt/my helper").
// Arguments and assignments may carry secrets, so they are never logged.
std::string program_of(std::string_view command);

}  // namespace kinesyslog::aws
