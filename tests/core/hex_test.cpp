#include "core/hex.hpp"

#include <gtest/gtest.h>

namespace kinesyslog {
namespace {

TEST(Hex, WritesBothDigitsOfAByteInEitherCase) {
  EXPECT_EQ(hex_high(0xe3), 'e');
  EXPECT_EQ(hex_low(0xe3), '3');
  EXPECT_EQ(hex_high(0xab, kUpperHexDigits), 'A');
  EXPECT_EQ(hex_low(0xab, kUpperHexDigits), 'B');
  EXPECT_EQ(hex_high(0x00), '0');
  EXPECT_EQ(hex_low(0xff), 'f');
}

TEST(Hex, ReadsDigitsOfEitherCaseAndNothingElse) {
  for (unsigned value = 0; value < 16; ++value) {
    EXPECT_EQ(hex_value(kLowerHexDigits[value]), static_cast<int>(value));
    EXPECT_EQ(hex_value(kUpperHexDigits[value]), static_cast<int>(value));
  }
  for (const char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'}) EXPECT_EQ(hex_value(c), -1) << c;
}

TEST(Hex, LiteralsAreZeroPaddedToTheirWidth) {
  EXPECT_EQ(hex_literal(0x0d, 2), "0x0d");
  EXPECT_EQ(hex_literal(0xe3069283, 8), "0xe3069283");
  EXPECT_EQ(hex_literal(0, 8), "0x00000000");
  EXPECT_EQ(hex_literal(0x1ff, 2), "0xff");  // only the low digits
}

}  // namespace
}  // namespace kinesyslog
