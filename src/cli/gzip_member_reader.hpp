#pragma once
// Reads a stream of concatenated gzip members (RFC 1952 §2.2) one member at a time, so a
// file of many records never has to be held in memory at once.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace kinesyslog::cli {

class GzipMemberReader {
 public:
  // A Firehose record is at most 1,024,000 compressed bytes (SPEC §4) and deflate expands at
  // most 1032:1, so a member that inflates past this is not one of our records.
  static constexpr uint64_t kMaxMemberBytes = 1'024'000ULL * 1032;

  enum class Status { kMember, kEnd, kError };

  explicit GzipMemberReader(std::FILE* input, uint64_t max_member_bytes = kMaxMemberBytes);
  ~GzipMemberReader();
  GzipMemberReader(const GzipMemberReader&) = delete;
  GzipMemberReader& operator=(const GzipMemberReader&) = delete;

  // Inflates the next member into `member` (replacing its contents). kEnd at a clean end of
  // input; kError (see error()) on corrupt, truncated or oversized data, or a read failure.
  Status next(std::string& member);
  const std::string& error() const { return error_; }

 private:
  bool refill();  // false at end of input or on a read error

  std::FILE* input_;
  uint64_t max_member_bytes_;
  z_stream stream_{};
  bool stream_ready_ = false;
  std::vector<unsigned char> input_buffer_;
  std::string error_;
};

}  // namespace kinesyslog::cli
