#include "aws/process_credentials.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "aws/config_error.hpp"
#include "aws/iso8601.hpp"
#include "aws/shell_command.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::aws {
namespace {

using std::chrono::milliseconds;

const Clock& real_clock() { return SystemClock::instance(); }

ProcessCredentials process(std::string command, ShellCommandLimits limits = {}) {
  return ProcessCredentials(std::move(command), "profile 'helper' in config", real_clock(), limits);
}

std::string error_of(ProcessCredentials provider) {
  try {
    provider.fetch();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "no exception";
}

TEST(ShellCommand, CapturesStdoutAndExitCode) {
  const auto outcome = run_shell_command("printf 'a b'; exit 3", {}, real_clock(), [](std::string_view) {});
  EXPECT_EQ(outcome.standard_output, "a b");
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_FALSE(outcome.timed_out);
}

TEST(ShellCommand, StderrArrivesLineByLine) {
  std::vector<std::string> lines;
  run_shell_command("echo one >&2; printf 'two\\r\\nthree' >&2", {}, real_clock(),
                    [&](std::string_view line) { lines.emplace_back(line); });
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(ShellCommand, DeadlineKillsTheWholeProcessGroup) {
  const auto started = std::chrono::steady_clock::now();
  // The background sleep keeps stdout open; only killing the group ends it.
  const auto outcome = run_shell_command("sleep 30 & sleep 30", {milliseconds(200)}, real_clock(), [](std::string_view) {});
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(ShellCommand, CommandThatClosesItsOutputAndLingersIsKilledAtTheDeadline) {
  const auto outcome =
      run_shell_command("exec >&- 2>&-; sleep 30", {milliseconds(200)}, real_clock(), [](std::string_view) {});
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_EQ(outcome.signal, SIGKILL);
}

TEST(ShellCommand, OutputPastTheLimitIsCutOff) {
  const auto outcome = run_shell_command("yes credentials", {std::chrono::seconds(10), 1000}, real_clock(),
                                         [](std::string_view) {});
  EXPECT_TRUE(outcome.output_too_large);
}

// The relay blocks SIGTERM, SIGINT and SIGHUP in every thread (a signal thread waits for them)
// and ignores SIGPIPE; this makes the calling thread look like that until the test ends.
class RelaySignalState {
 public:
  RelaySignalState() {
    sigset_t blocked;
    sigemptyset(&blocked);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&blocked, signal);
    pthread_sigmask(SIG_BLOCK, &blocked, &previous_mask_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &previous_pipe_);
  }
  ~RelaySignalState() {
    sigaction(SIGPIPE, &previous_pipe_, nullptr);
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
  }
  RelaySignalState(const RelaySignalState&) = delete;
  RelaySignalState& operator=(const RelaySignalState&) = delete;

 private:
  sigset_t previous_mask_{};
  struct sigaction previous_pipe_ {};
};

// The signal set on the /proc/<pid>/status line `name` ("SigBlk:\t0000000000004003").
uint64_t status_signal_set(const std::string& status, const std::string& name) {
  const auto at = status.find(name + ":\t");
  if (at == std::string::npos) throw std::runtime_error("no " + name + " in: " + status);
  return std::stoull(status.substr(at + name.size() + 2, 16), nullptr, 16);
}

bool has_signal(uint64_t set, int signal) { return (set >> (signal - 1)) & 1U; }

TEST(ShellCommand, ChildStartsWithTheRelaysSignalsUnblockedAndNotIgnored) {
  ShellCommandOutcome outcome;
  {
    RelaySignalState relay_like;
    outcome = run_shell_command("grep -E '^Sig(Blk|Ign)' /proc/self/status", {}, real_clock(), [](std::string_view) {});
  }
  const uint64_t blocked = status_signal_set(outcome.standard_output, "SigBlk");
  const uint64_t ignored = status_signal_set(outcome.standard_output, "SigIgn");
  // (dash clears the mask it inherited itself; other shells do not.)
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) {
    EXPECT_FALSE(has_signal(blocked, signal)) << strsignal(signal) << " blocked: " << outcome.standard_output;
    EXPECT_FALSE(has_signal(ignored, signal)) << strsignal(signal) << " ignored: " << outcome.standard_output;
  }
}

TEST(ShellCommand, StderrPassedOnIsCappedWhileTheCommandRunsToTheEnd) {
  std::vector<std::string> lines;
  // 1 MB of stderr in 100-byte lines, then the credentials on stdout.
  const auto outcome = run_shell_command(
      "i=0; line=$(printf '%099d' 0); while [ $i -lt 10000 ]; do echo \"$line\"; i=$((i+1)); done >&2; echo ok",
      {}, real_clock(), [&](std::string_view line) { lines.emplace_back(line); });
  const std::size_t passed_on = std::accumulate(lines.begin(), lines.end(), std::size_t{0},
                                                [](std::size_t sum, const std::string& line) { return sum + line.size(); });
  EXPECT_LE(passed_on, ShellCommandLimits{}.max_stderr_bytes);
  EXPECT_GT(passed_on, 0u);
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.standard_output, "ok\n");
  EXPECT_GT(outcome.stderr_bytes_dropped, 900'000u);
}

TEST(ShellCommand, ProgramOfACommandLineIsItsFirstWordAfterAssignments) {
  EXPECT_EQ(program_of("/usr/bin/aws-vault exec prod --json"), "/usr/bin/aws-vault");
  EXPECT_EQ(program_of("  TOKEN=abc OTHER='x y' helper --secret s"), "helper");
  EXPECT_EQ(program_of("'/opt/my helper' --token x"), "/opt/my helper");
  EXPECT_EQ(program_of("\"/opt/q\"uoted\\ name arg"), "/opt/quoted name");
  EXPECT_EQ(program_of("./run=1 --x"), "./run=1");  // not a NAME=value assignment: a program
  EXPECT_EQ(program_of("A=1"), "");
  EXPECT_EQ(program_of(""), "");
}

TEST(ProcessCredentials, ErrorsNameTheProgramButNotItsArgumentsOrAssignments) {
  const auto message = error_of(process("API_TOKEN=hunter2 false --password hunter2"));
  EXPECT_THAT(message, ::testing::HasSubstr("false"));
  EXPECT_THAT(message, ::testing::Not(::testing::HasSubstr("hunter2")));
  const auto timed_out = error_of(process("sleep 30 && echo --token hunter2", {milliseconds(200)}));
  EXPECT_THAT(timed_out, ::testing::HasSubstr("sleep"));
  EXPECT_THAT(timed_out, ::testing::Not(::testing::HasSubstr("hunter2")));
}

TEST(ProcessCredentials, TemporaryCredentialsWithExpiration) {
  const auto credentials =
      process(R"(echo '{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "s", "SessionToken": "t",)"
              R"( "Expiration": "2026-11-24T15:04:05.000Z"}')")
          .fetch();
  EXPECT_EQ(credentials.access_key_id, "ASIAPROC");
  EXPECT_EQ(credentials.secret_access_key, "s");
  EXPECT_EQ(credentials.session_token, "t");
  EXPECT_EQ(credentials.expiration, parse_iso8601("2026-11-24T15:04:05Z"));
}

TEST(ProcessCredentials, LongTermCredentialsWithoutExpiration) {
  const auto credentials =
      process(R"(echo '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "s"}')").fetch();
  EXPECT_EQ(credentials.session_token, "");
  EXPECT_EQ(credentials.expiration, std::nullopt);
}

TEST(ProcessCredentials, ShellQuotingWorksAsUsersWriteIt) {
  kinesyslog::testing::TemporaryDirectory directory;
  const auto script = directory.write("my helper.sh", R"(echo "{\"Version\":1,\"AccessKeyId\":\"$1\",\"SecretAccessKey\":\"s\"}")");
  const auto credentials = process("sh '" + script.string() + "' \"AKID WITH SPACE\"").fetch();
  EXPECT_EQ(credentials.access_key_id, "AKID WITH SPACE");
}

TEST(ProcessCredentials, NonZeroExitIsAnErrorWithTheStatusAndLastStderrLine) {
  const auto message = error_of(process("echo 'first' >&2; echo 'token expired, run login' >&2; exit 2"));
  EXPECT_NE(message.find("exited with status 2: token expired, run login"), std::string::npos) << message;
  EXPECT_NE(message.find("profile 'helper'"), std::string::npos) << message;
}

TEST(ProcessCredentials, NonZeroExitIsDefinitive) {
  EXPECT_THROW(process("exit 1").fetch(), AwsConfigError);
}

TEST(ProcessCredentials, UnsupportedVersionIsRefused) {
  const auto message = error_of(process(R"(echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "s"}')"));
  EXPECT_NE(message.find("\"Version\" must be 1"), std::string::npos) << message;
}

TEST(ProcessCredentials, MissingSecretIsRefused) {
  const auto message = error_of(process(R"(echo '{"Version": 1, "AccessKeyId": "A"}')"));
  EXPECT_NE(message.find("no \"SecretAccessKey\""), std::string::npos) << message;
}

TEST(ProcessCredentials, UnreadableExpirationIsRefused) {
  const auto message = error_of(process(
      R"(echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "tomorrow"}')"));
  EXPECT_NE(message.find("\"Expiration\" \"tomorrow\""), std::string::npos) << message;
}

TEST(ProcessCredentials, NotJsonIsRefused) {
  EXPECT_THROW(process("echo hello").fetch(), AwsConfigError);
}

TEST(ProcessCredentials, HangingHelperIsKilledAndWorthRetrying) {
  EXPECT_THROW(process("sleep 30", {milliseconds(200)}).fetch(), CredentialsUnavailable);
}

}  // namespace
}  // namespace kinesyslog::aws
