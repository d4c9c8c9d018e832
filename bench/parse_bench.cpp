// CPU time per message of the parse stage: header reading, the rewrite, and id generation.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string_view>

#include "parse/event_id.hpp"
#include "parse/syslog_parser.hpp"

namespace {

using kinesyslog::WallTime;
namespace parse = kinesyslog::parse;

const WallTime kReceived = WallTime{std::chrono::seconds{1'772'600'000}};  // 2026-03-04

void parse_message(benchmark::State& state, std::string_view message) {
  parse::SyslogParser parser;
  for (auto _ : state) {
    const kinesyslog::Event event = parser.parse(message, kReceived, "192.0.2.7");
    benchmark::DoNotOptimize(event);
  }
}

void BM_ParseRfc5424(benchmark::State& state) {
  parse_message(state, "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
}
BENCHMARK(BM_ParseRfc5424);

void BM_ParseRfc3164(benchmark::State& state) {
  parse_message(state, "<34>Feb  4 11:14:27 1.2.3.4 apache_server: test message");
}
BENCHMARK(BM_ParseRfc3164);

void BM_ParseRewrite(benchmark::State& state) { parse_message(state, "<34>no timestamp here, rewritten"); }
BENCHMARK(BM_ParseRewrite);

void BM_EventIdCounting(benchmark::State& state) {
  parse::EventIdSequence sequence(1);
  parse::EventIdGenerator ids = parse::EventIdGenerator::counting(sequence);
  for (auto _ : state) benchmark::DoNotOptimize(ids.next());
}
BENCHMARK(BM_EventIdCounting);

void BM_EventIdRandom(benchmark::State& state) {
  parse::EventIdGenerator ids = parse::EventIdGenerator::random(1);
  for (auto _ : state) benchmark::DoNotOptimize(ids.next());
}
BENCHMARK(BM_EventIdRandom);

}  // namespace
