// Batch stage costs: appending events (the I/O threads' hot path) and gzip-encoding
// records at each libdeflate level — the cost table for choosing --compression-level.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "batch/batch_table.hpp"
#include "core/json_escape.hpp"
#include "batch/open_batch.hpp"
#include "encode/record_encoder.hpp"
#include "core/event.hpp"
#include "core/ip_address.hpp"

namespace kinesyslog::batch {
namespace {

using encode::RecordEncoder;
using encode::RecordHeaderFields;

EventId compressible_id(uint64_t counter) {
  EventId id;
  char text[EventId::kDigits + 1];
  std::snprintf(text, sizeof text, "%020llu%036llu", 14821390771623055981ULL, static_cast<unsigned long long>(counter));
  for (size_t i = 0; i < EventId::kDigits; ++i) id.digits[i] = text[i];
  return id;
}

// The next id in decimal, in place: cheaper than formatting, so the append benchmark
// measures the batch and not snprintf.
void increment(EventId& id) {
  for (size_t i = EventId::kDigits; i-- > 0;) {
    if (id.digits[i] != '9') {
      ++id.digits[i];
      return;
    }
    id.digits[i] = '0';
  }
}

// Syslog lines shaped like a fleet's: many hosts and programs, varying pids, addresses,
// paths, latencies and request ids, so the compressor sees realistic entropy.
class SyslogLines {
 public:
  explicit SyslogLines(uint32_t seed) : random_(seed) {}

  std::string next() {
    const unsigned host = pick(40), pid = 100 + pick(60000), a = pick(256), b = pick(256);
    const unsigned seconds = static_cast<unsigned>(++tick_ / 7);
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "2024-05-01T%02u:%02u:%02u.%06uZ", 10 + seconds / 3600 % 12, seconds / 60 % 60,
                  seconds % 60, pick(1000000));
    char line[512];
    switch (pick(5)) {
      case 0:
        std::snprintf(line, sizeof line,
                      "<38>1 %s web-%02u sshd %u - - Accepted publickey for deploy from 10.%u.%u.%u port %u ssh2: "
                      "RSA SHA256:%s",
                      stamp, host, pid, a, b, pick(256), 1024 + pick(64000), token(43).c_str());
        break;
      case 1:
        std::snprintf(line, sizeof line,
                      "<30>1 %s web-%02u nginx %u - - 10.%u.%u.%u - - \"GET /api/v1/items/%u?page=%u HTTP/1.1\" %u %u "
                      "\"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
                      stamp, host, pid, a, b, pick(256), pick(100000), pick(20), pick(10) == 0 ? 404u : 200u,
                      200 + pick(50000));
        break;
      case 2:
        std::snprintf(line, sizeof line,
                      "<86>1 %s web-%02u CRON %u - - pam_unix(cron:session): session opened for user root(uid=0) by "
                      "(uid=0)",
                      stamp, host, pid);
        break;
      case 3:
        std::snprintf(line, sizeof line,
                      "<4>1 %s web-%02u kernel - - - [%u.%06u] TCP: request_sock_TCP: Possible SYN flooding on port "
                      "%u. Sending cookies.",
                      stamp, host, pick(900000), pick(1000000), pick(2) ? 443u : 8443u);
        break;
      default:
        std::snprintf(line, sizeof line,
                      "<27>1 %s app-%02u orders %u - - ERROR request_id=%s user_id=%u latency_ms=%u status=%u "
                      "msg=\"upstream timeout\"",
                      stamp, host, pid, token(32).c_str(), pick(1000000), pick(5000), pick(3) ? 500u : 504u);
    }
    return line;
  }

 private:
  unsigned pick(unsigned bound) { return std::uniform_int_distribution<unsigned>(0, bound - 1)(random_); }
  std::string token(size_t length) {
    static constexpr char kAlphabet[] = "0123456789abcdef";
    std::string text(length, '0');
    for (char& c : text) c = kAlphabet[pick(16)];
    return text;
  }

  std::mt19937 random_;
  uint64_t tick_ = 0;
};

SourceKey bench_key(uint8_t host) { return SourceKey{IpAddress::from_v4({10, 0, 0, host}), 5514, Protocol::kSyslog}; }

void BM_BatchTableAppend200ByteLines(benchmark::State& state) {
  const std::string line =
      "<13>1 2024-05-01T10:00:00.123456Z web-07 app 4242 - - GET /api/v1/items/48213 status=200 latency_ms=12 "
      "user=deploy request=9f2c41d0a7e3b5c8 bytes=51234 upstream=10.2.3.4:8080 cache=miss region=eu-west-1 ok";
  std::vector<SourceKey> keys;
  for (uint8_t host = 0; host < 16; ++host) keys.push_back(bench_key(host));
  size_t closed = 0;
  BatchTable table(BatchLimits{}, [&](ClosedBatch&& batch) { closed += batch.event_count(); });
  Event event;
  event.id = compressible_id(0);
  event.body = std::string_view(line).substr(0, 200);
  uint64_t counter = 0;
  const WallTime received{};
  const SteadyTime now{};
  for (auto _ : state) {
    increment(event.id);
    ++counter;
    // Senders arrive in short runs, as when one recvmmsg batch holds one sender's datagrams.
    table.append(keys[(counter / 8) % keys.size()], event, received, now);
  }
  table.close_all();
  benchmark::DoNotOptimize(closed);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 200);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BatchTableAppend200ByteLines);

void BM_JsonEscapeSyslogText(benchmark::State& state) {
  SyslogLines lines(7);
  std::string text;
  while (text.size() < 64 * 1024) text += lines.next() + "\n";
  std::string out;
  out.reserve(2 * text.size());
  for (auto _ : state) {
    out.clear();
    append_json_escaped(out, text);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_JsonEscapeSyslogText);

// One realistic closed batch, 1 MiB of raw messages (the ratio barely changes up to --flush-size).
const ClosedBatch& realistic_batch() {
  static const ClosedBatch batch = [] {
    SyslogLines lines(42);
    OpenBatch open(bench_key(1));
    uint64_t counter = 0;
    while (open.raw_bytes() < (1u << 20)) {
      const std::string line = lines.next();
      Event event;
      event.id = compressible_id(++counter);
      event.timestamp_ms = 1714557600000 + static_cast<int64_t>(counter) * 137;
      event.body = line;
      open.append(event, WallTime{}, SteadyTime{});
    }
    return open.close();
  }();
  return batch;
}

void BM_RecordEncode(benchmark::State& state) {
  const ClosedBatch& batch = realistic_batch();
  RecordEncoder encoder(static_cast<int>(state.range(0)), RecordHeaderFields{});
  size_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    for (std::string_view record : encoder.encode(batch).records) compressed += record.size();
    benchmark::DoNotOptimize(compressed);
  }
  const double iterations = static_cast<double>(state.iterations());
  const double json_bytes = static_cast<double>(batch.events_json.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(batch.raw_bytes));
  state.counters["ratio"] = json_bytes / static_cast<double>(compressed);
  state.counters["gzip_bytes_per_raw_MiB"] = static_cast<double>(compressed) * (1 << 20) / static_cast<double>(batch.raw_bytes);
  // What a level buys: bytes kept off the Firehose bill per CPU second spent.
  state.counters["saved_bytes_per_s"] =
      benchmark::Counter((json_bytes - static_cast<double>(compressed)) * iterations, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecordEncode)->Arg(1)->Arg(3)->Arg(6)->Arg(9)->Arg(12)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kinesyslog::batch
