#include "metrics/journal_counters.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <prometheus/metric_family.h>

namespace kinesyslog::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily single(std::string name, std::string help, MetricType type, double value) {
  ClientMetric metric;
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return MetricFamily{std::move(name), std::move(help), type, {std::move(metric)}};
}

}  // namespace

void SyncLatencyHistogram::observe(std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  const auto bucket = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin();
  counts_[static_cast<size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_nanoseconds_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, latency.count())), std::memory_order_relaxed);
}

std::array<uint64_t, SyncLatencyHistogram::kBounds.size() + 1> SyncLatencyHistogram::cumulative_counts() const {
  std::array<uint64_t, kBounds.size() + 1> cumulative{};
  uint64_t running = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  return cumulative;
}

double SyncLatencyHistogram::sum_seconds() const {
  return static_cast<double>(sum_nanoseconds_.load(std::memory_order_relaxed)) / 1e9;
}

void append_journal_families(const JournalCounters& counters, std::vector<MetricFamily>& families) {
  families.push_back(single("kinesyslog_journal_bytes_total", "Bytes written to the write-ahead journal",
                            MetricType::Counter, static_cast<double>(counters.bytes.load(std::memory_order_relaxed))));

  ClientMetric syncs;
  const auto cumulative = counters.syncs.cumulative_counts();
  for (size_t i = 0; i < SyncLatencyHistogram::kBounds.size(); ++i) {
    syncs.histogram.bucket.push_back(ClientMetric::Bucket{cumulative[i], SyncLatencyHistogram::kBounds[i]});
  }
  syncs.histogram.bucket.push_back(ClientMetric::Bucket{cumulative.back(), std::numeric_limits<double>::infinity()});
  syncs.histogram.sample_count = cumulative.back();
  syncs.histogram.sample_sum = counters.syncs.sum_seconds();
  families.push_back(MetricFamily{"kinesyslog_journal_sync_seconds",
                                  "Seconds each journal fdatasync took",
                                  MetricType::Histogram,
                                  {std::move(syncs)}});

  families.push_back(single("kinesyslog_journal_segments", "Journal segment files on disk", MetricType::Gauge,
                            static_cast<double>(counters.segments.load(std::memory_order_relaxed))));
  families.push_back(single("kinesyslog_journal_recovered_events_total",
                            "Journaled events no published record held, replayed into records at start",
                            MetricType::Counter,
                            static_cast<double>(counters.recovered_events.load(std::memory_order_relaxed))));
  families.push_back(single("kinesyslog_journal_errors_total", "Journal writes, syncs, creates and deletes that failed",
                            MetricType::Counter, static_cast<double>(counters.errors.load(std::memory_order_relaxed))));
}

}  // namespace kinesyslog::metrics
