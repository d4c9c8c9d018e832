#include "core/inflate_stream.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/gzip_member.hpp"

namespace kinesyslog {
namespace {

using Status = InflateStream::Status;
using Wrapper = InflateStream::Wrapper;

const std::string kText(10'000, 'x');

TEST(InflateStream, InflatesAGzipMemberAndKeepsTheInputAfterIt) {
  const std::string two = testing::gzip_member(kText) + testing::gzip_member("second");
  InflateStream stream(Wrapper::kGzip);
  ASSERT_TRUE(stream.restart(Wrapper::kGzip, kText.size()));
  ASSERT_EQ(stream.give_input(two), two.size());
  std::string out(kText.size() + 1, '\0');
  const auto step = stream.inflate(out.data(), out.size());
  EXPECT_EQ(step.status, Status::kStreamEnd);
  EXPECT_EQ(out.substr(0, step.produced), kText);

  ASSERT_TRUE(stream.restart(Wrapper::kGzip, 100));
  EXPECT_GT(stream.input_left(), 0u);
  const auto next = stream.inflate(out.data(), out.size());
  EXPECT_EQ(next.status, Status::kStreamEnd);
  EXPECT_EQ(out.substr(0, next.produced), "second");
}

TEST(InflateStream, InflatesAZlibStreamInSteps) {
  const std::string compressed = testing::zlib_deflate(kText, 15);
  InflateStream stream(Wrapper::kZlib);
  ASSERT_TRUE(stream.restart(Wrapper::kZlib, kText.size()));
  stream.give_input(compressed);
  std::string out;
  char room[1000];
  for (;;) {
    const auto step = stream.inflate(room, sizeof room);
    out.append(room, step.produced);
    if (step.status != Status::kOutputFull) {
      EXPECT_EQ(step.status, Status::kStreamEnd);
      break;
    }
  }
  EXPECT_EQ(out, kText);
}

TEST(InflateStream, StopsPastItsLimit) {
  const std::string compressed = testing::gzip_member(kText);
  InflateStream stream(Wrapper::kGzip);
  ASSERT_TRUE(stream.restart(Wrapper::kGzip, 4'000));
  stream.give_input(compressed);
  char room[3'000];
  EXPECT_EQ(stream.inflate(room, sizeof room).status, Status::kOutputFull);
  EXPECT_EQ(stream.inflate(room, sizeof room).status, Status::kTooLarge);
}

TEST(InflateStream, AsksForMoreInputWhenTheStreamIsCutShort) {
  const std::string compressed = testing::gzip_member(kText);
  InflateStream stream(Wrapper::kGzip);
  ASSERT_TRUE(stream.restart(Wrapper::kGzip, kText.size()));
  stream.give_input(std::string_view(compressed).substr(0, compressed.size() - 4));
  std::string out(kText.size() + 1, '\0');
  EXPECT_EQ(stream.inflate(out.data(), out.size()).status, Status::kNeedInput);
  stream.give_input(std::string_view(compressed).substr(compressed.size() - 4));
  EXPECT_EQ(stream.inflate(out.data(), out.size()).status, Status::kStreamEnd);
}

TEST(InflateStream, NamesWhatIsCorrupt) {
  std::string compressed = testing::gzip_member(kText);
  compressed[compressed.size() - 5] ^= 0x55;  // the CRC32 in the trailer
  InflateStream stream(Wrapper::kGzip);
  ASSERT_TRUE(stream.restart(Wrapper::kGzip, kText.size()));
  stream.give_input(compressed);
  std::string out(kText.size() + 1, '\0');
  EXPECT_EQ(stream.inflate(out.data(), out.size()).status, Status::kCorrupt);
  EXPECT_EQ(stream.error(), "incorrect data check");

  InflateStream wrong(Wrapper::kZlib);
  ASSERT_TRUE(wrong.restart(Wrapper::kZlib, kText.size()));
  const std::string gzip = testing::gzip_member(kText);
  wrong.give_input(gzip);  // a gzip header is not a zlib header
  EXPECT_EQ(wrong.inflate(out.data(), out.size()).status, Status::kCorrupt);
}

}  // namespace
}  // namespace kinesyslog
