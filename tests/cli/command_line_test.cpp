// docs/behaviour.md §1.1: how the command line and the environment combine, help, version, usage errors,
// and the `dump` and `install` commands.
#include "cli/command_line.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/exit_codes.hpp"
#include "cli_test_support.hpp"

namespace kinesyslog::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::parse;
using testing::parse_listen;
using testing::parse_to_exit;

TEST(RepeatableOption, CollectsEveryOccurrenceOnTheCommandLine) {
  EXPECT_THAT(parse_listen({"--tcp-port", "601", "--tcp-port", "602"}).tcp_ports, ElementsAre(601, 602));
}

TEST(RepeatableOption, TakesOneValuePerOccurrenceOnTheCommandLine) {
  EXPECT_EQ(parse_to_exit({"listen", "--tcp-port", "601", "602"}).exit_code, kExitUsage);
}

TEST(RepeatableOption, EnvironmentValuesAreSeparatedByAnyWhitespace) {
  ListenOptions options = parse_listen({}, {{"KINESYSLOG_TCP_PORT", " 12201 \t12202\n12203  "}});
  EXPECT_THAT(options.tcp_ports, ElementsAre(12201, 12202, 12203));
}

TEST(RepeatableOption, KinesisStreamsFromTheCommandLineOrTheEnvironment) {
  EXPECT_THAT(parse_listen({"--kinesis-stream", "a", "--kinesis-stream", "b"}).kinesis_streams, ElementsAre("a", "b"));
  EXPECT_THAT(parse_listen({}, {{"KINESYSLOG_KINESIS_STREAM", "logs-a logs-b"}}).kinesis_streams,
              ElementsAre("logs-a", "logs-b"));
}

TEST(RepeatableOption, ZeroDisablesAndIsDropped) {
  EXPECT_THAT(parse_listen({"--udp-port", "0", "--udp-port", "514"}).udp_ports, ElementsAre(514));
}

TEST(RepeatableOption, TlsPortZeroDisablesTheDefaultAndCountsAsGiven) {
  ListenOptions options = parse_listen({"--tls-port", "0"});
  EXPECT_TRUE(options.tls_ports.empty());
  EXPECT_TRUE(options.was_given("tls-port"));
}

TEST(CommandLineWins, OverTheEnvironmentForASingleValue) {
  ListenOptions options = parse_listen({"--stream", "from-command-line"}, {{"KINESYSLOG_STREAM", "from-env"}});
  EXPECT_THAT(options.streams, ElementsAre("from-command-line"));
}

TEST(CommandLineWins, ItsRepeatedValuesReplaceTheEnvironmentsValues) {
  ListenOptions options = parse_listen({"--udp-port", "1514"}, {{"KINESYSLOG_UDP_PORT", "514 515"}});
  EXPECT_THAT(options.udp_ports, ElementsAre(1514));
}

TEST(CommandLineWins, AFlagOnTheCommandLineBeatsFalseInTheEnvironment) {
  EXPECT_TRUE(parse_listen({"--gelf"}, {{"KINESYSLOG_GELF", "off"}}).gelf);
}

TEST(EnvironmentValue, EmptyVariableLeavesAValuedOptionAtItsDefault) {
  ListenOptions options = parse_listen({}, {{"KINESYSLOG_GROUP_PREFIX", ""}});
  EXPECT_EQ(options.group_prefix, "/kinesyslog");
  EXPECT_FALSE(options.was_given("group-prefix"));
}

TEST(EnvironmentValue, EmptyFlagVariableMeansFalse) {
  ListenOptions options = parse_listen({}, {{"KINESYSLOG_DEBUG", ""}});
  EXPECT_FALSE(options.debug);
  EXPECT_TRUE(options.was_given("debug"));
}

TEST(EnvironmentValue, BadFlagWordIsAUsageErrorNamingTheVariable) {
  PrintAndExit result = parse_to_exit({"listen"}, {{"KINESYSLOG_GELF", "maybe"}});
  EXPECT_EQ(result.exit_code, kExitUsage);
  EXPECT_THAT(result.text, HasSubstr("KINESYSLOG_GELF"));
  EXPECT_THAT(result.text, HasSubstr("maybe"));
}

TEST(EnvironmentValue, BadNumberIsAUsageErrorNamingTheVariable) {
  PrintAndExit result = parse_to_exit({"listen"}, {{"KINESYSLOG_TCP_PORT", "601 six"}});
  EXPECT_EQ(result.exit_code, kExitUsage);
  EXPECT_THAT(result.text, HasSubstr("KINESYSLOG_TCP_PORT"));
  EXPECT_THAT(result.text, HasSubstr("six"));
}

TEST(EnvironmentValue, NegativeSizeIsAUsageError) {
  EXPECT_EQ(parse_to_exit({"listen"}, {{"KINESYSLOG_FLUSH_SIZE", "-1"}}).exit_code, kExitUsage);
}

TEST(EnvironmentValue, IsIgnoredByOtherCommands) {
  ParseOutcome outcome = parse({"dump", "x.gz"}, {{"KINESYSLOG_GELF", "maybe"}});
  EXPECT_TRUE(std::holds_alternative<RunDump>(outcome));
}

TEST(Help, TopLevelHelpListsEveryListenOptionWithDefaultAndVariable) {
  PrintAndExit result = parse_to_exit({"--help"});
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_FALSE(result.to_stderr());
  for (std::string_view name : {"stream",
                                "address",
                                "udp-port",
                                "tcp-port",
                                "tls-port",
                                "cert",
                                "key",
                                "proxy-protocol",
                                "prometheus-port",
                                "spool-dir",
                                "spool-max-bytes",
                                "region",
                                "profile",
                                "gelf",
                                "group-prefix",
                                "debug",
                                "debug-asyncio",
                                "output-dir",
                                "endpoint-url",
                                "flush-age",
                                "flush-size",
                                "delivery-interval",
                                "max-message-size",
                                "client-ca",
                                "client-name",
                                "proxy-from",
                                "compression-level",
                                "random-ids",
                                "journal-sync-ms",
                                "pack-records",
                                "kinesis-stream"}) {
    EXPECT_THAT(result.text, HasSubstr("--" + std::string(name) + " ")) << name;
    EXPECT_THAT(result.text, HasSubstr(environment_variable_for(name))) << name;
  }
  for (std::string_view default_text : {"[default: 0.0.0.0]", "[default: 6514]", "[default: /kinesyslog]",
                                        "[default: 4194304]", "[default: 65536]", "[default: 60]"}) {
    EXPECT_THAT(result.text, HasSubstr(default_text));
  }
  EXPECT_THAT(result.text, HasSubstr("dump"));
  EXPECT_THAT(result.text, HasSubstr("install"));
}

TEST(Help, ListenHelpListsItsOptions) {
  PrintAndExit result = parse_to_exit({"listen", "--help"});
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_THAT(result.text, HasSubstr("--max-message-size"));
  EXPECT_THAT(result.text, HasSubstr("KINESYSLOG_MAX_MESSAGE_SIZE"));
}

TEST(Help, DefaultSpoolDirShowsThePrivateDirectoryRule) {
  const std::string text = parse_to_exit({"listen", "--help"}, {{"TMPDIR", "/scratch"}}).text;
  EXPECT_THAT(text, HasSubstr("$STATE_DIRECTORY, else /var/lib/kinesyslog as root"));
  EXPECT_THAT(text, Not(HasSubstr("/scratch")));
}

TEST(Version, PrintsTheVersionAndExitsZero) {
  PrintAndExit result = parse_to_exit({"--version"});
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_THAT(result.text, HasSubstr(KINESYSLOG_VERSION));
}

TEST(UsageError, UnknownOptionExits64WithTheMessageAndAHint) {
  PrintAndExit result = parse_to_exit({"listen", "--bogus"});
  EXPECT_EQ(result.exit_code, kExitUsage);
  EXPECT_TRUE(result.to_stderr());
  EXPECT_THAT(result.text, HasSubstr("--bogus"));
  EXPECT_THAT(result.text, HasSubstr("--help"));
}

TEST(UsageError, MissingSubcommandExits64) { EXPECT_EQ(parse_to_exit({}).exit_code, kExitUsage); }

TEST(UsageError, UnknownSubcommandExits64) { EXPECT_EQ(parse_to_exit({"serve"}).exit_code, kExitUsage); }

TEST(UsageError, NonNumericPortOnTheCommandLineExits64) {
  EXPECT_EQ(parse_to_exit({"listen", "--udp-port", "syslog"}).exit_code, kExitUsage);
}

TEST(UsageError, NegativeSizeOnTheCommandLineExits64) {
  EXPECT_EQ(parse_to_exit({"listen", "--max-message-size", "-1"}).exit_code, kExitUsage);
}

TEST(UsageError, OptionWithoutItsValueExits64) {
  EXPECT_EQ(parse_to_exit({"listen", "--stream"}).exit_code, kExitUsage);
}

TEST(DumpCommand, TakesItsFilesInOrder) {
  ParseOutcome outcome = parse({"dump", "b.gz", "-", "a.gz"});
  ASSERT_TRUE(std::holds_alternative<RunDump>(outcome));
  EXPECT_THAT(std::get<RunDump>(outcome).files, ElementsAre("b.gz", "-", "a.gz"));
}

TEST(DumpCommand, NeedsAtLeastOneFile) { EXPECT_EQ(parse_to_exit({"dump"}).exit_code, kExitUsage); }

TEST(InstallCommand, DefaultsToTheSystemUnitDirectoryAndNoUser) {
  ParseOutcome outcome = parse({"install"});
  ASSERT_TRUE(std::holds_alternative<RunInstall>(outcome));
  EXPECT_EQ(std::get<RunInstall>(outcome).options.system_dir, "/etc/systemd/system");
  EXPECT_EQ(std::get<RunInstall>(outcome).options.user, "");
}

TEST(InstallCommand, TakesUserAndSystemDir) {
  ParseOutcome outcome = parse({"install", "--user", "syslog", "--system-dir", "/run/units"});
  ASSERT_TRUE(std::holds_alternative<RunInstall>(outcome));
  EXPECT_EQ(std::get<RunInstall>(outcome).options.user, "syslog");
  EXPECT_EQ(std::get<RunInstall>(outcome).options.system_dir, "/run/units");
}

TEST(InstallCommand, TakesTheHiddenPackageFilesDirectory) {
  ParseOutcome outcome = parse({"install", "--package-files", "/tmp/package"});
  ASSERT_TRUE(std::holds_alternative<RunInstall>(outcome));
  EXPECT_EQ(std::get<RunInstall>(outcome).options.package_files_dir, "/tmp/package");
  EXPECT_THAT(parse_to_exit({"install", "--help"}).text, Not(HasSubstr("package-files")));
}

}  // namespace
}  // namespace kinesyslog::cli

namespace kinesyslog::cli {
namespace {

TEST(SingleValuedOption, GivenTwiceTakesTheLastValueAsTheOriginal) {
  EXPECT_EQ(parse_listen({"--delivery-interval", "1", "--delivery-interval", "5"}).delivery_interval.count(), 5.0);
}

// --stream is repeatable (several Firehose streams); one occurrence is the original's single stream.
TEST(StreamOption, IsRepeatableOnTheCommandLineAndSpaceSeparatedInTheEnvironment) {
  EXPECT_THAT(parse_listen({"--stream", "a"}).streams, ElementsAre("a"));
  EXPECT_THAT(parse_listen({"--stream", "a", "--stream", "b"}).streams, ElementsAre("a", "b"));
  EXPECT_THAT(parse_listen({}, {{"KINESYSLOG_STREAM", "a b  c"}}).streams, ElementsAre("a", "b", "c"));
  EXPECT_THAT(parse_listen({"--stream", "x"}, {{"KINESYSLOG_STREAM", "a b"}}).streams, ElementsAre("x"));
  EXPECT_THAT(parse_listen({"--stream=y"}).streams, ElementsAre("y"));
}

}  // namespace
}  // namespace kinesyslog::cli
