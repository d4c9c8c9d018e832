// Feeds arbitrary bytes to SyslogFramer in chunks whose sizes come from the input and checks that
// chunking never changes the output and that no message or buffer exceeds the maximum; also
// with held messages released between chunks, as the partial-message budget does.
//
// Input: [max size byte][N][N chunk-size bytes][stream...]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framing/datagram.hpp"
#include "framing/syslog_framer.hpp"
#include "require.hpp"

namespace {

using kinesyslog::framing::SyslogFramer;
using Messages = std::vector<std::pair<std::string, bool>>;

// Collects messages and checks each one as it is delivered.
struct CheckedSink {
  Messages* messages;
  size_t max_message_size;
  bool closing;
  void operator()(std::string_view message, bool truncated) const {
    require(!message.empty(), "no empty message is delivered");
    require(message.size() <= max_message_size, "no message is longer than the maximum");
    // Only at close may a truncated message be short (an octet-counted frame cut off by the peer).
    require(closing || !truncated || message.size() == max_message_size, "truncated means cut to the maximum");
    messages->emplace_back(std::string{message}, truncated);
  }
};

Messages frame(std::string_view stream, size_t max_message_size, std::string_view chunk_sizes) {
  Messages messages;
  SyslogFramer framer{max_message_size};
  size_t chunk = 0;
  while (!stream.empty()) {
    size_t size = stream.size();
    if (!chunk_sizes.empty()) size = 1 + static_cast<uint8_t>(chunk_sizes[chunk++ % chunk_sizes.size()]);
    size = std::min(size, stream.size());
    framer.feed(stream.substr(0, size), CheckedSink{&messages, max_message_size, false});
    require(framer.buffered_bytes() <= max_message_size, "the buffer never exceeds the maximum");
    stream.remove_prefix(size);
  }
  framer.finish(CheckedSink{&messages, max_message_size, true});
  require(framer.buffered_bytes() == 0, "finish empties the buffer");
  return messages;
}

// As memory pressure does: after the chunks whose size byte is odd, the held message (if any)
// is handed on cut short. The framer must stay in step and never hand on an empty message.
void frame_releasing(std::string_view stream, size_t max_message_size, std::string_view chunk_sizes) {
  if (chunk_sizes.empty()) return;
  Messages messages;
  SyslogFramer framer{max_message_size};
  for (size_t chunk = 0; !stream.empty(); ++chunk) {
    const auto size_byte = static_cast<uint8_t>(chunk_sizes[chunk % chunk_sizes.size()]);
    const size_t size = std::min<size_t>(1 + size_byte, stream.size());
    framer.feed(stream.substr(0, size), CheckedSink{&messages, max_message_size, false});
    if (size_byte % 2 == 1) {
      framer.release_partial(CheckedSink{&messages, max_message_size, true});
      require(framer.buffered_bytes() == 0, "a release empties the buffer");
    }
    stream.remove_prefix(size);
  }
  framer.finish(CheckedSink{&messages, max_message_size, true});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view input{reinterpret_cast<const char*>(data), size};
  const size_t max_message_size = 1 + static_cast<uint8_t>(input[0]) % 128;
  const size_t chunk_count = std::min<size_t>(static_cast<uint8_t>(input[1]) % 16, input.size() - 2);
  const std::string_view chunk_sizes = input.substr(2, chunk_count);
  const std::string_view stream = input.substr(2 + chunk_count);

  const Messages whole = frame(stream, max_message_size, {});
  require(frame(stream, max_message_size, chunk_sizes) == whole, "chunked feeds frame like one feed");
  require(frame(stream, max_message_size, std::string_view{"\0", 1}) == whole, "1-byte feeds frame like one feed");
  frame_releasing(stream, max_message_size, chunk_sizes);

  kinesyslog::framing::split_datagram(stream, max_message_size, [&](std::string_view message, bool truncated) {
    require(!message.empty() && message.size() <= max_message_size, "datagram pieces are 1..max bytes");
    require(!truncated || message.size() == max_message_size, "a truncated datagram piece is cut to the maximum");
  });
  return 0;
}
