// Messages per second through SyslogFramer for 200-byte messages, fed in 16 KiB reads so some
// frames split across feeds as they do on a real socket.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "framing/datagram.hpp"
#include "framing/syslog_framer.hpp"

namespace {

constexpr size_t kMessageSize = 200;
constexpr size_t kMessagesPerStream = 4096;
constexpr size_t kReadSize = 16384;

std::string message_body(size_t index) {
  std::string body = "<134>1 2024-05-21T10:00:00.123456Z web-01 nginx 4242 - - GET /index.html status=200 seq=" +
                     std::to_string(index) + " ";
  body.resize(kMessageSize, 'x');
  return body;
}

std::string octet_counted_stream() {
  std::string stream;
  for (size_t i = 0; i < kMessagesPerStream; ++i) stream += std::to_string(kMessageSize) + " " + message_body(i);
  return stream;
}

std::string line_stream() {
  std::string stream;
  for (size_t i = 0; i < kMessagesPerStream; ++i) stream += message_body(i) + "\n";
  return stream;
}

void frame_stream(benchmark::State& state, const std::string& stream) {
  kinesyslog::framing::SyslogFramer framer{65536};
  size_t bytes = 0;
  for (auto _ : state) {
    for (size_t offset = 0; offset < stream.size(); offset += kReadSize) {
      framer.feed(std::string_view{stream}.substr(offset, kReadSize),
                  [&](std::string_view message, bool) { bytes += message.size(); });
    }
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kMessagesPerStream));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}

void BM_FrameOctetCounted200(benchmark::State& state) { frame_stream(state, octet_counted_stream()); }
void BM_FrameLineFeed200(benchmark::State& state) { frame_stream(state, line_stream()); }

void BM_SplitDatagram200(benchmark::State& state) {
  const std::string datagram = message_body(0) + "\n";
  size_t bytes = 0;
  for (auto _ : state) {
    kinesyslog::framing::split_datagram(datagram, 65536, [&](std::string_view message, bool) { bytes += message.size(); });
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_FrameOctetCounted200);
BENCHMARK(BM_FrameLineFeed200);
BENCHMARK(BM_SplitDatagram200);

}  // namespace
