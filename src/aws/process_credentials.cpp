#include "aws/process_credentials.hpp"

#include <spdlog/spdlog.h>

#include <system_error>

#include "aws/config_error.hpp"
#include "aws/credentials_json.hpp"

namespace kinesyslog::aws {

ProcessCredentials::ProcessCredentials(std::string command, std::string origin, const Clock& clock,
                                       ShellCommandLimits limits)
    : command_(std::move(command)), origin_(std::move(origin)), clock_(clock), limits_(limits) {}

Credentials ProcessCredentials::fetch() {
  // The program only: its arguments and NAME=value prefixes may carry tokens.
  const std::string program = program_of(command_);
  const std::string what = "credential_process " + program + " (" + origin_ + ")";
  std::string last_stderr_line;
  ShellCommandOutcome outcome;
  try {
    outcome = run_shell_command(command_, limits_, clock_, [&](std::string_view line) {
      spdlog::warn("credential_process {}: {}", program, line);
      last_stderr_line = line;
    });
  } catch (const std::system_error& error) {
    throw CredentialsUnavailable(what + " could not be run: " + error.what());
  }
  if (outcome.stderr_bytes_dropped > 0) {
    spdlog::warn("credential_process {}: {} more bytes of stderr not logged (the first {} were)", program,
                 outcome.stderr_bytes_dropped, limits_.max_stderr_bytes);
  }
  if (outcome.timed_out) {
    throw CredentialsUnavailable(what + " did not finish within " + std::to_string(limits_.timeout.count()) +
                                 " ms and was killed");
  }
  if (outcome.output_too_large) {
    throw AwsConfigError(what + " printed more than " + std::to_string(limits_.max_output_bytes) + " bytes");
  }
  if (outcome.exit_code != 0) {
    const std::string how = outcome.exit_code ? "exited with status " + std::to_string(*outcome.exit_code)
                                              : "was killed by signal " + std::to_string(outcome.signal.value_or(0));
    throw AwsConfigError(what + " " + how +
                         (last_stderr_line.empty() ? std::string() : ": " + last_stderr_line));
  }
  auto parsed = parse_credentials_json(outcome.standard_output, CredentialsJsonDialect::kProcess);
  if (!parsed.credentials) throw AwsConfigError(what + " printed unusable credentials: " + parsed.problem);
  return std::move(*parsed.credentials);
}

std::string ProcessCredentials::describe() const { return "credential_process (" + origin_ + ")"; }

}  // namespace kinesyslog::aws
