// The journal's disk bytes per raw message byte for typical syslog traffic: 150-byte RFC 5424
// lines whose events carry 56-digit ids (20 digits random per process, a 36-digit counter),
// written in rounds of 1 to 256 events (one block per event-loop round).
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "journal/counting_reporter.hpp"
#include "journal/journal_recovery.hpp"
#include "journal/thread_journal.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::journal {
namespace {

struct Traffic {
  std::string raw;   // the line as received
  std::string json;  // its event, as the batch holds it
};

Traffic typical_event(std::mt19937_64& random, std::string_view id_prefix, uint64_t counter, int64_t millis) {
  static constexpr const char* kApps[] = {"sshd", "nginx", "cron", "kernel", "postfix"};
  static constexpr const char* kWords[] = {"GET",   "POST",    "/api/v1/orders", "/static/app.js", "upstream", "user",
                                           "login", "session", "timeout",        "accepted",       "OK",       "cache",
                                           "miss",  "hit",     "retry"};
  std::string raw =
      fmt::format("<134>1 2026-11-30T08:{:02}:{:02}.{:03}Z web-{:02}.example.net {} {} - - ", random() % 60,
                  random() % 60, random() % 1000, random() % 40, kApps[random() % 5], random() % 30000);
  raw += fmt::format("request {} from 10.{}.{}.{} status {} bytes {}", random() % 100000, random() % 256,
                     random() % 256, random() % 256, 200 + random() % 4 * 100, random() % 50000);
  while (raw.size() < 150) {
    raw += ' ';
    raw += kWords[random() % std::size(kWords)];
  }
  raw.resize(150);
  const std::string id = fmt::format("{}{:036}", id_prefix, counter);
  return Traffic{raw, fmt::format(R"({{"id":"{}","timestamp":{},"message":"{}"}})", id, millis, raw)};
}

TEST(JournalFigures, DiskBytesPerRawMessageByte) {
  constexpr int kEvents = 20000;
  std::mt19937_64 random(11);
  const std::string id_prefix = fmt::format("{:010}{:010}", random() % 10'000'000'000ull, random() % 10'000'000'000ull);
  std::vector<Traffic> events;
  std::vector<WallTime> received;
  uint64_t raw_bytes = 0;
  uint64_t json_bytes = 0;
  for (int n = 0; n < kEvents; ++n) {
    events.push_back(typical_event(random, id_prefix, static_cast<uint64_t>(n), 1'764'489'600'000 + n));
    received.push_back(WallTime(std::chrono::milliseconds(1'764'489'600'000)) +
                       std::chrono::microseconds(n * 200 + static_cast<int>(random() % 150)));
    raw_bytes += events.back().raw.size();
    json_bytes += events.back().json.size();
  }
  const SourceKey key{IpAddress::from_v4({10, 0, 0, 1}), 514, Protocol::kSyslog};
  for (const int round : {1, 4, 16, 64, 256}) {
    kinesyslog::testing::TemporaryDirectory spool;
    testing::CountingReporter reporter;
    ThreadJournal journal(JournalId{1, 0}, JournalOptions{spool.path(), std::chrono::milliseconds(50)}, reporter);
    const auto start = std::chrono::steady_clock::now();
    for (int n = 0; n < kEvents; ++n) {
      journal.append(key, received[n], events[n].raw.size(), events[n].json);
      if (n % round == round - 1) journal.flush();
    }
    journal.flush();
    const auto elapsed = std::chrono::steady_clock::now() - start;  // encoding, lz4, write(2); syncs run beside
    journal.close();
    const double per_raw_byte = static_cast<double>(reporter.bytes()) / static_cast<double>(raw_bytes);
    const double nanos_per_event =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) / kEvents;
    std::printf(
        "journal, rounds of %d events: %llu raw bytes, %llu JSON bytes, %llu journal bytes: %.3f per raw byte; "
        "%.0f ns per event on the writer's thread\n",
        round, static_cast<unsigned long long>(raw_bytes), static_cast<unsigned long long>(json_bytes),
        static_cast<unsigned long long>(reporter.bytes()), per_raw_byte, nanos_per_event);
    // Without lz4 the journal would hold more than the JSON itself (ids, timestamps, framing).
    EXPECT_LT(reporter.bytes(), json_bytes);

    // Chained small blocks and lone large ones read back to the same bytes.
    JournalRecovery recovery(spool.path(), 2);
    size_t read_back = 0;
    recovery.for_each_unpublished([&](const JournalId&, const RecoveredEntry& entry) {
      ASSERT_EQ(entry.seq, read_back + 1);
      EXPECT_EQ(entry.json, events[read_back].json);
      EXPECT_EQ(entry.received, received[read_back]);
      ++read_back;
    });
    EXPECT_EQ(read_back, size_t{kEvents});
  }
}

}  // namespace
}  // namespace kinesyslog::journal
