// Any payload through GelfDecoder, raw or compressed here first: it must never crash, never hand
// out more than the maximum, and give back exactly what was compressed.
//
// Input: [limit byte][mode byte][payload...]; mode % 3: 0 raw, 1 gzip it, 2 zlib it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <zlib.h>

#include "parse/gelf_decoder.hpp"
#include "require.hpp"

namespace {

using kinesyslog::Event;
using kinesyslog::WallTime;
using kinesyslog::parse::GelfDecoder;

std::string compress(std::string_view text, bool gzip) {
  z_stream stream{};
  const int window_bits = gzip ? 16 + 15 : 15;
  require(deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK, "deflate init");
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  require(deflate(&stream, Z_FINISH) == Z_STREAM_END, "deflate");
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  const size_t max_message_size = 1 + static_cast<uint8_t>(input[0]) * size_t{16};
  const int mode = static_cast<uint8_t>(input[1]) % 3;
  const std::string_view text = input.substr(2);
  const std::string payload = mode == 0 ? std::string{text} : compress(text, mode == 1);

  GelfDecoder decoder{max_message_size};
  const WallTime received{std::chrono::seconds{1'700'000'000}};
  for (int round = 0; round < 2; ++round) {  // the second round reuses every buffer
    const std::optional<Event> event = decoder.decode(payload, received);
    if (!event) continue;
    require(event->body.size() <= max_message_size, "no message over the maximum");
    require(event->prefix.empty(), "the JSON text is the whole message");
    if (mode != 0) require(event->body == text, "inflating gives back what was compressed");
  }
  if (mode != 0 && !text.empty() && text.size() <= max_message_size) {
    const auto& counters = decoder.counters();
    const uint64_t dropped = counters.bad_payloads + counters.corrupt_compressed + counters.oversized;
    require(dropped == 0, "a well-compressed payload within the maximum is never dropped");
  }
  return 0;
}
