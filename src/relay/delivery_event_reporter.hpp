#pragma once
// What the delivery loop reports, turned into the relay's metrics (kinesyslog_batch_*,
// _record_bytes, _delivery_seconds, _batch_record_failed).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "deliver/delivery_events.hpp"
#include "metrics/relay_metrics.hpp"

namespace kinesyslog::relay {

class DeliveryEventReporter final : public deliver::DeliveryEvents {
 public:
  // `metrics` must outlive the delivery loop this reports for.
  explicit DeliveryEventReporter(metrics::RelayMetrics& metrics) : metrics_(metrics) {}

  void call_starting(size_t records, uint64_t bytes) override;
  void record_delivered(uint64_t record_bytes, WallTime first_received) override;
  void record_failed(std::string_view error_message) override;

 private:
  metrics::RelayMetrics& metrics_;
};

}  // namespace kinesyslog::relay
