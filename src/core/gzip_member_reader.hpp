#pragma once
// Reads a stream of concatenated gzip members (RFC 1952 §2.2) one member at a time, so a
// file of many records never has to be held in memory at once. zlib checks each member's
// header, deflate data and trailer (CRC32 and ISIZE).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/inflate_stream.hpp"

namespace kinesyslog {

class GzipMemberReader {
 public:
  // A Firehose record is at most 1,024,000 compressed bytes (docs/behaviour.md §4.4) and deflate expands at
  // most 1032:1, so a member that inflates past this is not one of our records.
  static constexpr uint64_t kMaxMemberBytes = 1'024'000ULL * 1032;

  enum class Status { kMember, kEnd, kError };

  explicit GzipMemberReader(std::FILE* input, uint64_t max_member_bytes = kMaxMemberBytes);
  // Reads members from bytes in memory, which must outlive the reader.
  explicit GzipMemberReader(std::string_view input, uint64_t max_member_bytes = kMaxMemberBytes);
  ~GzipMemberReader();
  GzipMemberReader(const GzipMemberReader&) = delete;
  GzipMemberReader& operator=(const GzipMemberReader&) = delete;

  // Inflates the next member into `member` (replacing its contents). kEnd at a clean end of
  // input; kError (see error()) on corrupt, truncated or oversized data, or a read failure.
  Status next(std::string& member);
  // The same checks as next() without keeping the member's bytes (memory stays at one chunk).
  Status skip();
  const std::string& error() const { return error_; }

 private:
  // Inflates one member into `member`, or into a reused scratch chunk when it is null.
  Status inflate_member(std::string* member);
  bool refill();  // false at end of input or on a read error
  void start_stream();

  std::FILE* input_ = nullptr;
  std::string_view memory_input_;  // what is left of in-memory input (when input_ is null)
  uint64_t max_member_bytes_;
  std::unique_ptr<InflateStream> stream_;  // null when zlib could not be set up
  std::vector<unsigned char> input_buffer_;
  std::string scratch_;  // skip()'s output, overwritten chunk after chunk
  std::string error_;
};

}  // namespace kinesyslog
