#include "relay/delivery_event_reporter.hpp"

namespace kinesyslog::relay {

void DeliveryEventReporter::call_starting(size_t records, uint64_t bytes) {
  metrics_.observe_call(stream_, records, bytes);
}

void DeliveryEventReporter::record_delivered(uint64_t record_bytes, WallTime first_received) {
  metrics_.observe_accepted(stream_, record_bytes, first_received);
}

void DeliveryEventReporter::record_failed(std::string_view error_message) {
  metrics_.observe_failed(stream_, error_message);
}

}  // namespace kinesyslog::relay
