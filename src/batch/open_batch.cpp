#include "batch/open_batch.hpp"

#include <charconv>
#include <limits>
#include <stdexcept>
#include <utility>

#include "core/json_escape.hpp"

namespace kinesyslog::batch {
namespace {

void append_event_json(std::string& out, const Event& event) {
  out.append("{\"id\":\"");
  out.append(event.id.view());
  out.append("\",\"timestamp\":");
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, event.timestamp_ms);
  (void)error;  // 24 characters hold any int64_t
  out.append(digits, static_cast<size_t>(end - digits));
  out.append(",\"message\":\"");
  append_json_escaped(out, event.prefix);
  append_json_escaped(out, event.body);
  out.append("\"}");
}

}  // namespace

OpenBatch::OpenBatch(const SourceKey& key, size_t reserve_bytes) : key_(key) {
  events_json_.reserve(reserve_bytes);
}

void OpenBatch::append(const Event& event, WallTime received, SteadyTime now) {
  if (event_ends_.empty()) {
    first_received_ = received;
    opened_ = now;
  } else {
    events_json_.push_back(',');
  }
  append_event_json(events_json_, event);
  // ClosedBatch offsets are 32-bit; BatchTable closes batches long before this.
  if (events_json_.size() > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("OpenBatch: events_json exceeds 4 GiB");
  }
  event_ends_.push_back(static_cast<uint32_t>(events_json_.size()));
  raw_bytes_ += event.message_size();
}

ClosedBatch OpenBatch::close() {
  // A reservation the batch did not fill stays behind: the encoder queue budgets the bytes a
  // batch holds, and a memory-cap close of a freshly reserved batch holds only a few.
  if (events_json_.capacity() > 2 * events_json_.size() + kInitialReserveBytes) events_json_.shrink_to_fit();
  ClosedBatch closed;
  closed.key = key_;
  closed.events_json = std::exchange(events_json_, std::string{});
  closed.event_ends = std::exchange(event_ends_, std::vector<uint32_t>{});
  closed.raw_bytes = std::exchange(raw_bytes_, 0);
  closed.first_received = first_received_;
  return closed;
}

}  // namespace kinesyslog::batch
