#include "net/crc32c.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kinesyslog::net {
namespace {

TEST(Crc32c, CheckValueOfTheDigitsOneToNine) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
}

TEST(Crc32c, EmptyInputIsZero) {
  EXPECT_EQ(crc32c(""), 0u);
}

// RFC 3720 §B.4 test vectors (iSCSI uses the same CRC32c).
TEST(Crc32c, ThirtyTwoZeroBytes) {
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
}

TEST(Crc32c, ThirtyTwoAllOnesBytes) {
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32c, ThirtyTwoIncrementingBytes) {
  std::string bytes;
  for (int value = 0; value < 32; ++value) bytes.push_back(static_cast<char>(value));
  EXPECT_EQ(crc32c(bytes), 0x46DD794Eu);
}

TEST(Crc32c, UpdatesInPiecesEqualOneCall) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  for (size_t split = 0; split <= text.size(); ++split) {
    Crc32c crc;
    crc.update(std::string_view{text}.substr(0, split));
    crc.update(std::string_view{text}.substr(split));
    ASSERT_EQ(crc.value(), crc32c(text)) << "split at " << split;
  }
}

}  // namespace
}  // namespace kinesyslog::net
