// Feeds arbitrary bytes to RelpFrameParser, and through a RelpSession, in chunks whose sizes come
// from the input: chunking never changes the frames, the error or (answered at the end) the
// answers; no frame's data exceeds the maximum; the held buffer never exceeds it either.
//
// Input: [max size byte][N][N chunk-size bytes][stream...]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "framing/relp_frame_parser.hpp"
#include "net/relp_session.hpp"
#include "require.hpp"

namespace {

using kinesyslog::framing::RelpFrame;
using kinesyslog::framing::RelpFrameParser;

struct Parsed {
  std::vector<std::tuple<uint32_t, std::string, std::string>> frames;
  bool failed = false;
  std::string error;
  bool operator==(const Parsed&) const = default;
};

// Feeds `stream` in pieces of 1 + chunk_sizes[i] bytes (the whole at once when there are none).
template <class Feed>
void in_pieces(std::string_view stream, std::string_view chunk_sizes, Feed&& feed) {
  for (size_t chunk = 0; !stream.empty(); ++chunk) {
    size_t size = stream.size();
    if (!chunk_sizes.empty()) size = 1 + static_cast<uint8_t>(chunk_sizes[chunk % chunk_sizes.size()]);
    size = std::min(size, stream.size());
    if (!feed(stream.substr(0, size))) return;
    stream.remove_prefix(size);
  }
}

Parsed parse(std::string_view stream, size_t max_data, std::string_view chunk_sizes) {
  Parsed parsed;
  RelpFrameParser parser{max_data};
  in_pieces(stream, chunk_sizes, [&](std::string_view piece) {
    const auto result = parser.feed(piece, [&](const RelpFrame& frame) {
      require(frame.txnr >= 1 && frame.txnr <= 999'999'999, "txnr is 1..999999999");
      require(!frame.command.empty() && frame.command.size() <= RelpFrameParser::kMaxCommandLength,
              "a command is 1..32 letters");
      require(frame.data.size() <= max_data, "no data is longer than the maximum");
      parsed.frames.emplace_back(frame.txnr, std::string(frame.command), std::string(frame.data));
      return true;
    });
    require(parser.buffered_bytes() <= max_data, "the held buffer never exceeds the maximum");
    parsed.failed = result == RelpFrameParser::Result::kError;
    return !parsed.failed;
  });
  parsed.error = parser.error();
  return parsed;
}

// Everything durable at once: the answers follow the frames.
class CountingSink final : public kinesyslog::net::MessageSink {
 public:
  void on_message(const kinesyslog::SourceKey&, std::string_view, std::string_view, kinesyslog::WallTime) override {
    ++position_;
  }
  void on_tick(kinesyslog::SteadyTime) override {}
  void on_stop() override {}
  uint64_t position() const override { return position_; }

 private:
  uint64_t position_ = 0;
};

// `acknowledge_each_piece`: answers go out between pieces (as each loop round does); else once
// at the end, which makes the output independent of how the stream was cut.
std::string session_output(std::string_view stream, size_t max_message, std::string_view chunk_sizes,
                           bool acknowledge_each_piece) {
  CountingSink sink;
  kinesyslog::net::RelpSession session{max_message, sink};
  std::string output;
  const auto answer = [&] {
    session.acknowledge(UINT64_MAX);
    output += session.output();
    session.output_written(session.output().size());
  };
  in_pieces(stream, chunk_sizes, [&](std::string_view piece) {
    session.feed(piece, [&](std::string_view message, bool truncated) {
      require(message.size() <= max_message, "no message is longer than the maximum");
      require(!truncated || message.size() == max_message, "a truncated message is cut to the maximum");
      sink.on_message({}, {}, message, {});
    });
    if (acknowledge_each_piece) answer();
    return true;
  });
  answer();
  require(!session.waiting(), "everything durable is answered");
  return output;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  const size_t max_data = 1 + static_cast<uint8_t>(input[0]) % 128;
  const size_t chunk_count = std::min<size_t>(static_cast<uint8_t>(input[1]) % 16, input.size() - 2);
  const std::string_view chunk_sizes = input.substr(2, chunk_count);
  const std::string_view stream = input.substr(2 + chunk_count);

  const Parsed whole = parse(stream, max_data, {});
  require(parse(stream, max_data, chunk_sizes) == whole, "chunked feeds parse like one feed");
  require(parse(stream, max_data, std::string_view{"\0", 1}) == whole, "1-byte feeds parse like one feed");
  require(session_output(stream, max_data, chunk_sizes, false) == session_output(stream, max_data, {}, false),
          "chunked feeds get the same answers");
  (void)session_output(stream, max_data, chunk_sizes, true);
  return 0;
}
