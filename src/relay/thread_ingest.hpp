#pragma once
// The per-I/O-thread end of the pipeline: parse the message (syslog, or GELF by the
// listener's protocol), give it an id, append it to this thread's batch table, count it for
// its source. No locks: one instance per I/O thread.
#include "batch/batch_table.hpp"
#include "metrics/source_traffic.hpp"
#include "net/message_sink.hpp"
#include "metrics/relay_counters.hpp"
#include "parse/event_id.hpp"
#include "parse/gelf_decoder.hpp"
#include "parse/syslog_parser.hpp"

namespace kinesyslog::relay {

class ThreadIngest final : public net::MessageSink {
 public:
  ThreadIngest(const batch::BatchLimits& limits, batch::ClosedBatchSink sink, parse::EventIdGenerator ids,
               const Clock& clock, size_t max_tracked_sources, size_t max_message_size,
               metrics::RelayCounters& counters)
      : table_(limits, std::move(sink)),
        gelf_(max_message_size),
        ids_(std::move(ids)),
        clock_(clock),
        traffic_(max_tracked_sources),
        counters_(counters) {}

  void on_message(const SourceKey& key, std::string_view source_text, std::string_view message,
                  WallTime received) override {
    traffic_.count(key, source_text, message.size());
    std::optional<Event> event;
    if (key.protocol == Protocol::kGelf) {
      event = gelf_.decode(message, received);
      if (!event) {
        counters_.count_drop(metrics::DropReason::kGelfInvalid);  // empty, corrupt or oversized: one reason for all
        return;
      }
    } else {
      event = parser_.parse(message, received, source_text);
    }
    event->id = ids_.next();
    table_.append(key, *event, received, clock_.steady_now());
  }
  void on_tick(SteadyTime now) override {
    table_.close_aged(now);
    traffic_.sweep(now);
  }
  void on_stop() override { table_.close_all(); }

  // Read by the metrics endpoint from its own thread.
  const metrics::SourceTrafficTable& traffic() const { return traffic_; }

 private:
  batch::BatchTable table_;
  parse::SyslogParser parser_;
  parse::GelfDecoder gelf_;
  parse::EventIdGenerator ids_;
  const Clock& clock_;
  metrics::SourceTrafficTable traffic_;
  metrics::RelayCounters& counters_;
};

}  // namespace kinesyslog::relay
