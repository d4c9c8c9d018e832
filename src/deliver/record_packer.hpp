#pragma once
// Lays consecutive records out as outgoing records: with packing, as many whole records as fit
// in one outgoing record of at most `max_record_bytes`; without, one outgoing record each.
// Each spool record is a whole gzip member (RFC 1952 §2.2: a gzip file is a series of members),
// so the bytes of consecutive records are one valid gzip stream, and Firehose writes the records
// of a stream to S3 one after the other: a packed record leaves the objects byte for byte as
// they would be unpacked, and Firehose bills it once (each record is billed rounded up to 5 KiB).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kinesyslog::deliver {

// One outgoing record: bytes [offset, offset + length) of the records laid end to end, holding
// the `count` records from the `first` (positions in the order they were added).
struct PackedRecord {
  size_t offset = 0;
  size_t length = 0;
  size_t first = 0;
  size_t count = 0;

  bool operator==(const PackedRecord&) const = default;
};

class RecordPacker {
 public:
  // No packing: every record goes out alone.
  static constexpr uint64_t kOnePerRecord = 0;

  explicit RecordPacker(uint64_t max_record_bytes) : max_record_bytes_(max_record_bytes) {}

  // True when a record of `length` bytes added now would start a new outgoing record. A record
  // larger than the limit goes alone (the destination decides what becomes of it).
  bool starts_new_record(size_t length) const {
    if (packed_.empty() || max_record_bytes_ == kOnePerRecord) return true;
    return packed_.back().length + length > max_record_bytes_;
  }
  // The next record, laid right after the previous one.
  void add(size_t length);
  void clear();

  const std::vector<PackedRecord>& records() const { return packed_; }
  size_t added() const { return added_; }  // records added since the last clear()

 private:
  uint64_t max_record_bytes_;
  std::vector<PackedRecord> packed_;
  size_t added_ = 0;
  size_t end_ = 0;  // where the next record starts
};

}  // namespace kinesyslog::deliver
