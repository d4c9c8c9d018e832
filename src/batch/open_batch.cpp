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

OpenBatch::OpenBatch(const SourceKey& key, size_t reserve_bytes) : key_(key) { events_json_.reserve(reserve_bytes); }

size_t OpenBatch::begin_event(WallTime received, SteadyTime now) {
  if (event_ends_.empty()) {
    first_received_ = received;
    opened_ = now;
  } else {
    events_json_.push_back(',');
  }
  return events_json_.size();
}

void OpenBatch::end_event(uint64_t raw_bytes) {
  // ClosedBatch offsets are 32-bit; BatchTable closes batches long before this.
  if (events_json_.size() > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("OpenBatch: events_json exceeds 4 GiB");
  }
  event_ends_.push_back(static_cast<uint32_t>(events_json_.size()));
  raw_bytes_ += raw_bytes;
}

std::string_view OpenBatch::append(const Event& event, WallTime received, SteadyTime now) {
  const size_t start = begin_event(received, now);
  append_event_json(events_json_, event);
  end_event(event.message_size());
  return std::string_view(events_json_).substr(start);
}

void OpenBatch::append_encoded(std::string_view json_fragment, uint64_t raw_bytes, WallTime received, SteadyTime now) {
  begin_event(received, now);
  events_json_.append(json_fragment);
  end_event(raw_bytes);
}

ClosedBatch OpenBatch::close() {
  // A reservation the batch did not fill stays behind: the encoder queue budgets the bytes a
  // batch holds, and a memory-cap close of a freshly reserved batch holds only a few.
  if (events_json_.capacity() > 2 * events_json_.size() + kInitialReserveBytes) events_json_.shrink_to_fit();
  ClosedBatch closed;
  closed.key = key_;
  closed.events_json = std::exchange(events_json_, std::string{});
  closed.event_ends = std::exchange(event_ends_, std::vector<uint32_t>{});
  closed.journal_seqs = std::exchange(journal_seqs_, std::vector<JournalSeq>{});
  closed.raw_bytes = std::exchange(raw_bytes_, 0);
  closed.first_received = first_received_;
  return closed;
}

}  // namespace kinesyslog::batch
