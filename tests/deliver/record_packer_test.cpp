#include "deliver/record_packer.hpp"

#include <ostream>
#include <vector>

#include <gtest/gtest.h>

namespace kinesyslog::deliver {

// For gtest's messages (found by argument-dependent lookup, so outside the unnamed namespace).
void PrintTo(const PackedRecord& record, std::ostream* out) {
  *out << "{offset " << record.offset << ", length " << record.length << ", first " << record.first << ", count "
       << record.count << "}";
}

namespace {

std::vector<PackedRecord> pack(uint64_t limit, const std::vector<size_t>& lengths) {
  RecordPacker packer(limit);
  for (size_t length : lengths) packer.add(length);
  return packer.records();
}

TEST(RecordPacker, WithoutPackingEveryRecordGoesAlone) {
  EXPECT_EQ(pack(RecordPacker::kOnePerRecord, {3, 5, 2}),
            (std::vector<PackedRecord>{{0, 3, 0, 1}, {3, 5, 1, 1}, {8, 2, 2, 1}}));
}

TEST(RecordPacker, PacksConsecutiveRecordsUpToTheLimitInOrder) {
  // 4 + 6 is exactly the limit; the 1 after them no longer fits.
  EXPECT_EQ(pack(10, {4, 6, 1, 2, 3, 5}), (std::vector<PackedRecord>{{0, 10, 0, 2}, {10, 6, 2, 3}, {16, 5, 5, 1}}));
}

TEST(RecordPacker, ARecordOverTheLimitGoesAloneAndThePackingGoesOnAfterIt) {
  EXPECT_EQ(pack(10, {2, 11, 3, 4}), (std::vector<PackedRecord>{{0, 2, 0, 1}, {2, 11, 1, 1}, {13, 7, 2, 2}}));
}

TEST(RecordPacker, TellsWhetherTheNextRecordStartsANewOne) {
  RecordPacker packer(10);
  EXPECT_TRUE(packer.starts_new_record(1));
  packer.add(7);
  EXPECT_FALSE(packer.starts_new_record(3));
  EXPECT_TRUE(packer.starts_new_record(4));
  EXPECT_EQ(packer.added(), 1U);
}

TEST(RecordPacker, ClearStartsOverAtOffsetZero) {
  RecordPacker packer(10);
  packer.add(4);
  packer.add(4);
  packer.clear();
  EXPECT_TRUE(packer.records().empty());
  packer.add(3);
  EXPECT_EQ(packer.records(), (std::vector<PackedRecord>{{0, 3, 0, 1}}));
  EXPECT_EQ(packer.added(), 1U);
}

}  // namespace
}  // namespace kinesyslog::deliver
