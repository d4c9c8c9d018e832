#pragma once
// The metrics of docs/behaviour.md §6.1 with the original's names, types and labels, plus ours, rendered in
// the Prometheus text format (prometheus-cpp). Two kinds:
//  - events observed as they happen (delivery calls, records, failures, HTTP requests) are
//    kept here in prometheus-cpp histograms and counters; the hooks are called on the
//    delivery and metrics threads, never per message;
//  - state that already lives elsewhere (RelayCounters, per-thread source tables, the spool)
//    is read at scrape time into a RelayReadings and turned into series by render().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "metrics/relay_counters.hpp"
#include "metrics/source_traffic.hpp"

namespace prometheus {
class Registry;
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace kinesyslog::metrics {

// What the relay reports at scrape time.
struct RelayReadings {
  const RelayCounters* counters = nullptr;
  std::vector<SourceTraffic> traffic;            // merged by (port, source)
  std::map<uint16_t, int64_t> open_connections;  // by receiving port
  uint64_t spool_records = 0;                    // records waiting for delivery
  uint64_t spool_bytes = 0;
  std::chrono::nanoseconds spool_oldest_age{0};  // age of the oldest waiting record
  uint64_t quarantined_records = 0;              // files in <spool>/quarantine/, never sent
  uint64_t spool_max_bytes = 0;                  // --spool-max-bytes; 0: no cap (no series then)
  bool healthy = true;                           // what /health answers (200 or 503)
};

struct RelayMetricsLabels {
  // Label `stream` of the delivery metrics, as the original; one series per stream, in the
  // destinations' order (the `stream` index the observations below take). At least one.
  std::vector<std::string> streams;
  std::string spool_dir;  // label `path` of the spool gauges, as the original
};

class RelayMetrics {
 public:
  // Distinct error_message labels kept; later ones count under "other".
  static constexpr size_t kMaxErrorMessages = 50;

  RelayMetrics(RelayMetricsLabels labels, const Clock& clock);
  ~RelayMetrics();
  RelayMetrics(const RelayMetrics&) = delete;
  RelayMetrics& operator=(const RelayMetrics&) = delete;

  // Delivery observations of stream number `stream` (relay's DeliveryEventReporter calls these).
  void observe_call(size_t stream, size_t records, uint64_t bytes);
  void observe_accepted(size_t stream, uint64_t record_bytes, WallTime first_received);
  void observe_failed(size_t stream, std::string_view error_message);
  // Records of `stream` known to its delivery loop and not yet accepted (any thread).
  void set_waiting(size_t stream, uint64_t records) noexcept;
  // One request to the metrics endpoint; `path` is a known route or "other".
  void count_http_request(std::string_view method, std::string_view path);

  // The whole exposition: observed metrics, then the readings.
  std::string render(const RelayReadings& readings) const;

 private:
  const RelayMetricsLabels labels_;
  const Clock& clock_;
  std::shared_ptr<prometheus::Registry> registry_;
  // Per stream, in the order of labels_.streams.
  struct StreamSeries {
    prometheus::Histogram* batch_records = nullptr;
    prometheus::Histogram* batch_bytes = nullptr;
    prometheus::Histogram* record_bytes = nullptr;
    prometheus::Histogram* delivery_seconds = nullptr;
  };
  std::vector<StreamSeries> streams_;
  std::unique_ptr<std::atomic<uint64_t>[]> waiting_;  // per stream
  prometheus::Family<prometheus::Counter>* batch_failed_ = nullptr;
  prometheus::Family<prometheus::Counter>* http_requests_ = nullptr;
  std::mutex failed_mutex_;  // error-message cap bookkeeping (failures only, never per message)
  size_t failed_labels_ = 0;
};

}  // namespace kinesyslog::metrics
