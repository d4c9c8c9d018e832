#pragma once
// What one stream's delivery loop reports, turned into the relay's metrics under that stream's
// label (kinesyslog_batch_*, _record_bytes, _delivery_seconds, _batch_record_failed,
// _delivery_waiting_records).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "deliver/delivery_events.hpp"
#include "metrics/relay_metrics.hpp"

namespace kinesyslog::relay {

class DeliveryEventReporter final : public deliver::DeliveryEvents {
 public:
  // `metrics` must outlive the delivery loop this reports for; `stream`: its index in the metrics' streams.
  explicit DeliveryEventReporter(metrics::RelayMetrics& metrics, size_t stream = 0)
      : metrics_(metrics), stream_(stream) {}

  void call_starting(size_t records, uint64_t bytes) override;
  void record_delivered(uint64_t record_bytes, WallTime first_received) override;
  void record_failed(std::string_view error_message) override;
  void waiting(uint64_t records) noexcept override { metrics_.set_waiting(stream_, records); }

 private:
  metrics::RelayMetrics& metrics_;
  size_t stream_;
};

}  // namespace kinesyslog::relay
