#pragma once
// Inflates one gzip (RFC 1952) or zlib (RFC 1950) stream into a reused buffer that never grows
// past a hard limit, so a decompression bomb costs at most `output_limit` bytes and stops there.
#include <cstddef>
#include <string_view>
#include <vector>

#include "core/inflate_stream.hpp"

namespace kinesyslog::parse {

class BoundedInflater {
 public:
  enum class Format { kGzip, kZlib };
  enum class Result {
    kComplete,  // output() holds the whole stream
    kTooLarge,  // the stream inflates to more than output_limit bytes; inflating stopped there
    kCorrupt,   // not a valid stream, or cut short
  };

  // Throws std::bad_alloc when zlib cannot set up its state.
  explicit BoundedInflater(size_t output_limit);
  BoundedInflater(const BoundedInflater&) = delete;
  BoundedInflater& operator=(const BoundedInflater&) = delete;

  // Bytes after the end of the stream are ignored (GELF sends one stream per payload).
  Result inflate(std::string_view compressed, Format format);
  // The last complete stream's bytes; valid until the next inflate().
  std::string_view output() const { return {output_.data(), output_size_}; }
  // The buffer grows with the largest output seen, to output_limit + 1 bytes at most.
  size_t buffer_capacity() const { return output_.size(); }

 private:
  size_t output_limit_;
  InflateStream stream_;  // restarted per stream: zlib's window is kept
  std::vector<char> output_;                           // one byte past the limit tells "too large"
  size_t output_size_ = 0;
};

}  // namespace kinesyslog::parse
