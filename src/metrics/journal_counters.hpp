#pragma once
// What the write-ahead journal did, counted with relaxed atomics from the journal's own threads
// (writers, sync threads, committing encoders) and read by the metrics endpoint.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace prometheus {
struct MetricFamily;
}

namespace kinesyslog::metrics {

// fdatasync latencies bucketed as they happen: the sync threads are not the metrics thread,
// and a fixed array of atomics needs no lock on their path.
class SyncLatencyHistogram {
 public:
  // Seconds: a fast SSD syncs in well under a millisecond, a busy disk in tens of them.
  static constexpr std::array<double, 12> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,   0.025,   0.05,   0.1,   0.25,   1.0};

  void observe(std::chrono::nanoseconds latency);
  // Count of observations <= kBounds[i]; the last entry counts them all.
  std::array<uint64_t, kBounds.size() + 1> cumulative_counts() const;
  double sum_seconds() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};  // [i]: in (kBounds[i-1], kBounds[i]]; last: above
  std::atomic<uint64_t> sum_nanoseconds_{0};
};

struct JournalCounters {
  std::atomic<uint64_t> bytes{0};  // written to segments and commit logs
  SyncLatencyHistogram syncs;
  std::atomic<int64_t> segments{0};           // segment files on disk
  std::atomic<uint64_t> recovered_events{0};  // replayed into records at start
  std::atomic<uint64_t> errors{0};            // failed writes, syncs, creates, deletes
};

// The kinesyslog_journal_* families.
void append_journal_families(const JournalCounters& counters, std::vector<prometheus::MetricFamily>& families);

}  // namespace kinesyslog::metrics
