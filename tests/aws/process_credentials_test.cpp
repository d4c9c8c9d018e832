#include "aws/process_credentials.hpp"

#include <gtest/gtest.h>

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
