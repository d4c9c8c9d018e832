#pragma once
// The one zlib inflate loop step: a gzip (RFC 1952) or zlib (RFC 1950) stream inflated into
// the caller's buffers a step at a time, bounded so a decompression bomb stops at a limit.
// zlib stays behind this header.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct z_stream_s;

namespace kinesyslog {

class InflateStream {
 public:
  enum class Wrapper { kGzip, kZlib };
  enum class Status {
    kStreamEnd,   // the stream ended; input after it is kept for the next stream
    kOutputFull,  // the room was filled; more output may be pending
    kNeedInput,   // all input was used before the stream ended
    kTooLarge,    // the stream produced more than its limit and has not ended
    kCorrupt,     // zlib refused the data (see error())
  };
  struct Step {
    Status status;
    size_t produced;  // bytes written into the room
  };

  // Throws std::bad_alloc when zlib cannot set up its state.
  explicit InflateStream(Wrapper wrapper);
  ~InflateStream();
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;

  // Starts the next stream, to stop with kTooLarge past `output_limit` bytes; zlib's window and
  // any unused input are kept. False when zlib refuses.
  bool restart(Wrapper wrapper, uint64_t output_limit);
  // Hands over input (which must stay valid while it is used); returns how much zlib takes in
  // one go (it counts in 32 bits), which may be less than all of it.
  size_t give_input(std::string_view input);
  size_t input_left() const;

  // Inflates into out[0..room).
  Step inflate(char* out, size_t room);
  // zlib's message for the last kCorrupt.
  std::string error() const;

 private:
  struct StreamDeleter {
    void operator()(z_stream_s* stream) const;
  };

  std::unique_ptr<z_stream_s, StreamDeleter> stream_;
  uint64_t output_limit_ = UINT64_MAX;
  uint64_t produced_ = 0;  // by the current stream
};

}  // namespace kinesyslog
