#include "core/json_escape.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "support/python_backslashreplace.hpp"

namespace kinesyslog {
namespace {

std::string escaped(std::string_view bytes) {
  std::string out;
  append_json_escaped(out, bytes);
  return out;
}

// The string a JSON parser reads back from our output.
std::string json_decoded(const std::string& content) {
  simdjson::dom::parser parser;
  const std::string document = "\"" + content + "\"";
  std::string_view value;
  const auto error = parser.parse(document).get(value);
  EXPECT_EQ(error, simdjson::SUCCESS) << document;
  return std::string(value);
}


TEST(JsonEscape, PlainAsciiPassesThrough) {
  const std::string text = "<13>1 2018-02-21T21:07:50Z host app 42 - - hello world, 100% ok";
  EXPECT_EQ(escaped(text), text);
}

TEST(JsonEscape, AppendsToExistingContent) {
  std::string out = "prefix:";
  append_json_escaped(out, "a\"b");
  EXPECT_EQ(out, R"(prefix:a\"b)");
}

TEST(JsonEscape, QuoteAndBackslashAreEscaped) { EXPECT_EQ(escaped(R"(say "hi" C:\dir)"), R"(say \"hi\" C:\\dir)"); }

TEST(JsonEscape, ForwardSlashIsNotEscaped) { EXPECT_EQ(escaped("/var/log/syslog"), "/var/log/syslog"); }

TEST(JsonEscape, ControlCharactersUseShortFormsOrLowerCaseUnicodeEscapes) {
  EXPECT_EQ(escaped(std::string_view("\x00\x01\x08\x09\x0a\x0c\x0d\x1b\x1f\x7f", 10)),
            "\\u0000\\u0001\\b\\t\\n\\f\\r\\u001b\\u001f\x7f");
}

TEST(JsonEscape, ValidMultiByteUtf8PassesThrough) {
  // é € 😀, the BOM, U+10FFFF, U+D7FF, U+E000, U+FFFF, U+0080.
  const std::string text =
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbb\xbf\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xc2\x80";
  EXPECT_EQ(escaped(text), text);
}

TEST(JsonEscape, OverlongTwoByteSequencesAreEscapedPerByte) {
  EXPECT_EQ(escaped("a\xc0\x80" "b\xc1\xbf"), R"(a\\xc0\\x80b\\xc1\\xbf)");
}

TEST(JsonEscape, OverlongThreeAndFourByteSequencesAreEscapedPerByte) {
  EXPECT_EQ(escaped("\xe0\x80\x80\xe0\x9f\xbf"), R"(\\xe0\\x80\\x80\\xe0\\x9f\\xbf)");
  EXPECT_EQ(escaped("\xf0\x80\x80\x80\xf0\x8f\xbf\xbf"), R"(\\xf0\\x80\\x80\\x80\\xf0\\x8f\\xbf\\xbf)");
}

TEST(JsonEscape, EncodedSurrogatesAreEscapedPerByte) {
  EXPECT_EQ(escaped("\xed\xa0\x80\xed\xbf\xbf"), R"(\\xed\\xa0\\x80\\xed\\xbf\\xbf)");
}

TEST(JsonEscape, CodePointsAboveU10FFFFAreEscapedPerByte) {
  EXPECT_EQ(escaped("\xf4\x90\x80\x80\xf5\x80\x80\x80\xff\xfe"),
            R"(\\xf4\\x90\\x80\\x80\\xf5\\x80\\x80\\x80\\xff\\xfe)");
}

TEST(JsonEscape, TruncatedSequenceIsEscapedAndDecodingResumesAtNextByte) {
  EXPECT_EQ(escaped("\xe2\x82" "A\xf0\x9f\x98 \xf0\x9f" "A\xc3"), R"(\\xe2\\x82A\\xf0\\x9f\\x98 \\xf0\\x9fA\\xc3)");
  EXPECT_EQ(escaped("\xe2\x82\xe2\x82\xac"), "\\\\xe2\\\\x82\xe2\x82\xac");
}

TEST(JsonEscape, TruncatedSequenceAtEndIsEscaped) { EXPECT_EQ(escaped("ok\xf0\x9f\x98"), R"(ok\\xf0\\x9f\\x98)"); }

TEST(JsonEscape, StrayContinuationBytesAreEscaped) { EXPECT_EQ(escaped("\x80x\xbf\x80\x80"), R"(\\x80x\\xbf\\x80\\x80)"); }

TEST(JsonEscape, FastPathHandsOverAtEveryPosition) {
  // A special byte at each offset of a long ASCII run exercises the 8-byte scan's edges.
  for (size_t position = 0; position < 40; ++position) {
    std::string text(40, 'a');
    text[position] = '"';
    std::string expected(40, 'a');
    expected.replace(position, 1, "\\\"");
    EXPECT_EQ(escaped(text), expected) << position;
    text[position] = '\xff';
    expected.replace(position, 2, "\\\\xff");
    EXPECT_EQ(escaped(text), expected) << position;
  }
}

TEST(JsonEscape, ParsedBackEqualsPythonBackslashreplaceForKnownCases) {
  // Expected values printed by CPython 3: b.decode('utf-8', 'backslashreplace').
  EXPECT_EQ(json_decoded(escaped("a\xff" "b\xe2\x82\xac\xe2\x82\xe2\x82\xac\"\\/\n")),
            "a\\xffb\xe2\x82\xac\\xe2\\x82\xe2\x82\xac\"\\/\n");
  EXPECT_EQ(json_decoded(escaped("\xed\xa0\x80" "x")), "\\xed\\xa0\\x80x");
  EXPECT_EQ(json_decoded(escaped("\xef\xbb\xbf<13>hi")), "\xef\xbb\xbf<13>hi");
}

TEST(JsonEscape, ParsedBackEqualsPythonBackslashreplaceForRandomBytes) {
  std::mt19937 random(20240229);
  // Bytes drawn mostly from UTF-8's interesting lead and continuation ranges.
  const std::string alphabet = std::string("aZ /\"\\\n\x01\x7f", 10) +
                               "\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1\xc2\xdf\xe0\xe1\xed\xee\xef\xf0\xf1\xf4\xf5\xff";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 24);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(length(random), '\0');
    for (char& c : bytes) c = alphabet[pick(random)];
    ASSERT_EQ(json_decoded(escaped(bytes)), kinesyslog::testing::python_backslashreplace(bytes)) << ::testing::PrintToString(bytes);
  }
}

}  // namespace
}  // namespace kinesyslog
