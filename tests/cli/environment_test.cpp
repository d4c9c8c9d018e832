// docs/behaviour.md §1.1: KINESYSLOG_<NAME> variables, flag words, whitespace-separated repeats.
#include "cli/environment.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kinesyslog::cli {
namespace {

using ::testing::ElementsAre;

TEST(EnvironmentVariableName, IsUpperCaseWithUnderscoresForDashes) {
  EXPECT_EQ(environment_variable_for("tcp-port"), "KINESYSLOG_TCP_PORT");
  EXPECT_EQ(environment_variable_for("stream"), "KINESYSLOG_STREAM");
  EXPECT_EQ(environment_variable_for("debug-asyncio"), "KINESYSLOG_DEBUG_ASYNCIO");
}

TEST(FlagWord, TrueWordsInAnyCase) {
  for (std::string_view word : {"1", "true", "TRUE", "True", "yes", "YeS", "on", "ON"}) {
    EXPECT_EQ(parse_flag_word(word), true) << word;
  }
}

TEST(FlagWord, FalseWordsInAnyCaseAndEmpty) {
  for (std::string_view word : {"0", "false", "FALSE", "no", "No", "off", "oFF", ""}) {
    EXPECT_EQ(parse_flag_word(word), false) << word;
  }
}

TEST(FlagWord, AnythingElseIsRejected) {
  for (std::string_view word : {"2", "y", "enable", "truee", " true"}) {
    EXPECT_EQ(parse_flag_word(word), std::nullopt) << word;
  }
}

TEST(SplitWhitespace, AnyRunOfWhitespaceSeparates) {
  EXPECT_THAT(split_whitespace("a  b\tc\nd\r\ne"), ElementsAre("a", "b", "c", "d", "e"));
}

TEST(SplitWhitespace, BlankTextHoldsNoValues) { EXPECT_TRUE(split_whitespace(" \t\n").empty()); }

TEST(ProcessEnvironment, ReadsTheRealEnvironment) {
  ::setenv("KINESYSLOG_CLI_TEST_PROBE", "probe", 1);
  EXPECT_EQ(process_environment()("KINESYSLOG_CLI_TEST_PROBE"), "probe");
  ::unsetenv("KINESYSLOG_CLI_TEST_PROBE");
  EXPECT_EQ(process_environment()("KINESYSLOG_CLI_TEST_PROBE"), std::nullopt);
}

}  // namespace
}  // namespace kinesyslog::cli
