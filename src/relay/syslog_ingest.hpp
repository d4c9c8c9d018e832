#pragma once
// The per-I/O-thread end of the pipeline for syslog: parse the message, give it an id,
// append it to this thread's batch table. No locks: one instance per I/O thread.
#include "batch/batch_table.hpp"
#include "net/message_sink.hpp"
#include "parse/event_id.hpp"
#include "parse/syslog_parser.hpp"

namespace kinesyslog::relay {

class SyslogIngest final : public net::MessageSink {
 public:
  SyslogIngest(const batch::BatchLimits& limits, batch::ClosedBatchSink sink, parse::EventIdGenerator ids,
               const Clock& clock)
      : table_(limits, std::move(sink)), ids_(std::move(ids)), clock_(clock) {}

  void on_message(const SourceKey& key, std::string_view source_text, std::string_view message,
                  WallTime received) override {
    Event event = parser_.parse(message, received, source_text);
    event.id = ids_.next();
    table_.append(key, event, received, clock_.steady_now());
  }
  void on_tick(SteadyTime now) override { table_.close_aged(now); }
  void on_stop() override { table_.close_all(); }

 private:
  batch::BatchTable table_;
  parse::SyslogParser parser_;
  parse::EventIdGenerator ids_;
  const Clock& clock_;
};

}  // namespace kinesyslog::relay
