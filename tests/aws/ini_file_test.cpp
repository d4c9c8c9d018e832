#include "aws/ini_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "aws/config_error.hpp"

namespace kinesyslog::aws {
namespace {

IniFile parse(std::string_view text) { return IniFile::parse(text, "config"); }

// The message of the AwsConfigError `text` raises, or "" when it parses.
std::string parse_error(std::string_view text) {
  try {
    parse(text);
  } catch (const AwsConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(IniFile, SectionsHoldTheirKeysInFileOrder) {
  const IniFile file = parse("[default]\nregion = eu-west-1\n\n[profile prod]\nregion = us-east-2\n");
  ASSERT_EQ(file.sections().size(), 2u);
  EXPECT_EQ(file.sections()[0].name, "default");
  EXPECT_EQ(file.sections()[1].name, "profile prod");
  EXPECT_EQ(file.section("profile prod")->value("region"), "us-east-2");
  EXPECT_EQ(file.section("missing"), nullptr);
}

TEST(IniFile, WhitespaceAroundEqualsOrColonIsDropped) {
  const IniFile file = parse("[s]\na=1\nb   =   2  \nc: 3\n");
  const IniSection& section = *file.section("s");
  EXPECT_EQ(section.value("a"), "1");
  EXPECT_EQ(section.value("b"), "2");
  EXPECT_EQ(section.value("c"), "3");
}

TEST(IniFile, KeyEndsAtTheFirstEqualsOrColon) {
  const IniFile file = parse("[s]\nrole_arn = arn:aws:iam::123456789012:role/relay\nurl: http://host:1/\n");
  EXPECT_EQ(file.section("s")->value("role_arn"), "arn:aws:iam::123456789012:role/relay");
  EXPECT_EQ(file.section("s")->value("url"), "http://host:1/");
}

TEST(IniFile, KeysAreLowerCasedSectionNamesKeepTheirCase) {
  const IniFile file = parse("[Prod]\nAWS_Access_Key_ID = AKID\n");
  EXPECT_EQ(file.section("prod"), nullptr);
  EXPECT_EQ(file.section("Prod")->value("aws_access_key_id"), "AKID");
}

TEST(IniFile, HashAndSemicolonLinesAreComments) {
  const IniFile file = parse("# top\n[s]\n; note\n   # indented note\na = 1\n");
  EXPECT_EQ(file.section("s")->values, (std::map<std::string, std::string>{{"a", "1"}}));
}

TEST(IniFile, HashAfterAValueIsPartOfIt) {
  EXPECT_EQ(parse("[s]\nregion = us-east-1 # primary\n").section("s")->value("region"), "us-east-1 # primary");
}

TEST(IniFile, SectionNameRunsToTheLastBracket) {
  EXPECT_NE(parse("[profile a] ; comment\nx = 1\n").section("profile a"), nullptr);
  EXPECT_NE(parse("[profile [a]]\nx = 1\n").section("profile [a]"), nullptr);
}

TEST(IniFile, IndentedLinesAfterAnEmptyValueFormASubsection) {
  const IniFile file = parse(
      "[profile dev]\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "\n"
      "  # a comment inside the block\n"
      "  signature_version=s3v4\n"
      "region = eu-west-1\n");
  const IniSection& section = *file.section("profile dev");
  ASSERT_NE(section.subsection("s3"), nullptr);
  EXPECT_EQ(*section.subsection("s3"),
            (std::map<std::string, std::string>{{"addressing_style", "path"}, {"signature_version", "s3v4"}}));
  EXPECT_FALSE(section.value("s3").has_value());
  EXPECT_EQ(section.value("region"), "eu-west-1");
}

TEST(IniFile, IndentedLineAfterAValueContinuesIt) {
  EXPECT_EQ(parse("[s]\nmessage = first\n   second\n").section("s")->value("message"), "first\nsecond");
}

TEST(IniFile, LinesIndentedAlikeAreSeparateKeys) {
  const IniFile file = parse("  [s]\n  a = 1\n  b = 2\n");
  EXPECT_EQ(file.section("s")->values, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
}

TEST(IniFile, EmptyValueStaysEmpty) { EXPECT_EQ(parse("[s]\nregion =\n").section("s")->value("region"), ""); }

TEST(IniFile, CrLfLineEndingsAndByteOrderMarkAreAccepted) {
  const IniFile file = parse("\xEF\xBB\xBF[default]\r\nregion = ap-south-1\r\n");
  ASSERT_NE(file.section("default"), nullptr);
  EXPECT_EQ(file.section("default")->value("region"), "ap-south-1");
}

TEST(IniFile, RepeatedSectionIsAnErrorNamingFileAndLine) {
  EXPECT_EQ(parse_error("[a]\nx = 1\n[a]\n"), "config:3: section [a] appears twice");
}

TEST(IniFile, RepeatedKeyIsAnError) {
  EXPECT_EQ(parse_error("[a]\nx = 1\nX = 2\n"), "config:3: 'x' appears twice in [a]");
}

TEST(IniFile, SettingBeforeAnySectionIsAnError) {
  EXPECT_EQ(parse_error("region = us-east-1\n"), "config:1: a setting before any [section] header");
}

TEST(IniFile, LineThatIsNoSettingIsAnError) {
  EXPECT_EQ(parse_error("[a]\njust words\n"), "config:2: expected 'name = value', found 'just words'");
  EXPECT_EQ(parse_error("[a]\n= value\n"), "config:2: a setting without a name");
}

TEST(IniFile, SubsectionLineWithoutEqualsIsAnError) {
  EXPECT_NE(parse_error("[a]\ns3 =\n  no equals here\n"), "");
}

TEST(IniFile, MissingFileLoadsAsNothing) {
  EXPECT_FALSE(IniFile::load(std::filesystem::path(::testing::TempDir()) / "no-such-aws-config").has_value());
}

}  // namespace
}  // namespace kinesyslog::aws
