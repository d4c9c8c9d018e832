#pragma once
// One per encoder thread: a ClosedBatch becomes one or more gzip records, each the gzip of
// a CloudWatch-Logs-style envelope around a run of the batch's events (docs/behaviour.md §4.3).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/closed_batch.hpp"
#include "core/record.hpp"

struct libdeflate_compressor;

namespace kinesyslog::encode {

struct RecordHeaderFields {
  std::string owner{kLocalOwner};            // 12-digit AWS account id
  std::string group_prefix = "/kinesyslog";  // --group-prefix
};

struct EncodedRecords {
  std::vector<std::string_view> records;      // gzip members, in event order; valid until the next encode()
  std::vector<size_t> record_first_events;    // the batch index of each record's first event
  std::vector<size_t> record_events;          // how many events each record holds (a run from its first)
  size_t dropped_events = 0;                  // events too large to fit any record on their own
  std::vector<size_t> dropped_event_indices;  // their batch indices, ascending
};

class RecordEncoder {
 public:
  // `compression_level` is libdeflate's 1–12 (--compression-level); throws std::invalid_argument otherwise.
  RecordEncoder(int compression_level, RecordHeaderFields header, size_t max_record_bytes = kFirehoseMaxRecordBytes);
  ~RecordEncoder();
  RecordEncoder(const RecordEncoder&) = delete;
  RecordEncoder& operator=(const RecordEncoder&) = delete;

  // Encodes `batch`, splitting it along event boundaries so that no record exceeds
  // max_record_bytes compressed. An empty batch gives no records.
  const EncodedRecords& encode(const ClosedBatch& batch);

 private:
  void set_envelope(const ClosedBatch& batch);
  void encode_range(const ClosedBatch& batch, size_t first, size_t last);
  size_t compress_range(const ClosedBatch& batch, size_t first, size_t last);  // bytes at output_'s end, 0 if too big
  static size_t event_offset(const ClosedBatch& batch, size_t index);

  libdeflate_compressor* compressor_ = nullptr;
  RecordHeaderFields header_;
  size_t max_record_bytes_;
  std::string prefix_;  // `{"owner":…,"logEvents":[`
  std::string json_;    // one record's uncompressed JSON, reused
  std::string output_;  // every record of the current batch, back to back, reused
  std::vector<size_t> record_ends_;
  EncodedRecords result_;
};

}  // namespace kinesyslog::encode
