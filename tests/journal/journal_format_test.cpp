#include "journal/journal_format.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace kinesyslog::journal {
namespace {

TEST(JournalFormat, FileNamesRoundTrip) {
  const JournalId journal{0x0123456789abcdefull, 7};
  EXPECT_EQ(segment_file_name(journal, 42), "0123456789abcdef-7-00000042.seg");
  EXPECT_EQ(commit_file_name(journal.run, 3), "0123456789abcdef-commit-00000003.log");
  const auto segment = parse_file_name(segment_file_name(journal, 42));
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->kind, FileKind::kSegment);
  EXPECT_EQ(segment->journal, journal);
  EXPECT_EQ(segment->index, 42u);
  const auto commit = parse_file_name(commit_file_name(journal.run, 3));
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->kind, FileKind::kCommitLog);
  EXPECT_EQ(commit->journal.run, journal.run);
  EXPECT_EQ(commit->index, 3u);
  EXPECT_FALSE(parse_file_name("0123456789abcdef-x-00000001.seg"));
  EXPECT_FALSE(parse_file_name("0123456789abcdef-commit-00000001.seg"));
  EXPECT_FALSE(parse_file_name("quarantine"));
  EXPECT_FALSE(parse_file_name(".firehose_event-1.log"));
}

TEST(JournalFormat, EntriesRoundTripBothAddressFamilies) {
  std::string bytes;
  const SourceKey v4{IpAddress::from_v4({10, 1, 2, 3}), 514, Protocol::kSyslog};
  const SourceKey v6{*IpAddress::parse("2001:db8::1"), 12201, Protocol::kGelf};
  const WallTime received = WallTime(std::chrono::nanoseconds(1'700'000'000'123'456'789));
  int64_t written_previous = 0;
  append_entry(bytes, v4, received, 150, R"({"id":"1","timestamp":2,"message":"a"})", written_previous);
  append_entry(bytes, v6, WallTime{}, 0, "", written_previous);  // earlier than the previous one
  int64_t read_previous = 0;
  std::string_view rest = bytes;
  const auto first = read_entry(rest, read_previous);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->key, v4);
  EXPECT_EQ(first->received, received);
  EXPECT_EQ(first->raw_bytes, 150u);
  EXPECT_EQ(first->json, R"({"id":"1","timestamp":2,"message":"a"})");
  const auto second = read_entry(rest, read_previous);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->key, v6);
  EXPECT_EQ(second->received, WallTime{});
  EXPECT_TRUE(rest.empty());
  // Every truncation of an entry is refused, never read past the end.
  for (size_t size = 0; size < bytes.size() / 2; ++size) {
    std::string_view truncated = std::string_view(bytes).substr(0, size);
    int64_t previous = 0;
    const auto entry = read_entry(truncated, previous);
    if (entry) {
      EXPECT_LE(entry->json.data() + entry->json.size(), bytes.data() + size);
    }
  }
}

TEST(JournalFormat, BlocksCompressWhenSmallerAndDetectDamage) {
  std::string block;
  std::string scratch;
  const std::string repetitive(4000, 'x');
  append_block(block, scratch, repetitive, 5, 1);
  auto header = read_block_header(block);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->flags, kBlockLz4);
  EXPECT_LT(header->stored_bytes, repetitive.size());
  EXPECT_EQ(header->first_seq, 5u);
  std::string_view stored = std::string_view(block).substr(kBlockHeaderSize);
  ASSERT_TRUE(block_crc_matches(*header, stored));
  std::string payload_scratch;
  EXPECT_EQ(block_payload(*header, stored, payload_scratch), std::string_view(repetitive));

  std::string raw_block;
  append_block(raw_block, scratch, "ab", 1, 1);
  header = read_block_header(raw_block);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->flags, 0u);  // lz4 would be larger
  raw_block.back() ^= 1;
  EXPECT_FALSE(block_crc_matches(*header, std::string_view(raw_block).substr(kBlockHeaderSize)));
}

TEST(JournalFormat, VarintsRoundTrip) {
  for (const uint64_t value : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{1} << 35, UINT64_MAX}) {
    std::string bytes;
    append_varint(bytes, value);
    std::string_view rest = bytes;
    EXPECT_EQ(read_varint(rest), value);
    EXPECT_TRUE(rest.empty());
    std::string_view truncated = std::string_view(bytes).substr(0, bytes.size() - 1);
    EXPECT_FALSE(read_varint(truncated));
  }
}

}  // namespace
}  // namespace kinesyslog::journal
