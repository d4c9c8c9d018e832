#pragma once
// The per-I/O-thread end of the pipeline: parse the message (syslog, or GELF by the
// listener's protocol), give it an id, append it to this thread's batch table, count it for
// its source. No locks: one instance per I/O thread. With a journal, every event the table
// takes is journaled first (the table's tap), the journal writes one block per loop round,
// and the sink's durability is the journal's.
#include <cstdint>

#include "batch/batch_table.hpp"
#include "batch/journal_tap.hpp"
#include "journal/thread_journal.hpp"
#include "metrics/relay_counters.hpp"
#include "metrics/source_traffic.hpp"
#include "net/message_sink.hpp"
#include "parse/event_id.hpp"
#include "parse/gelf_decoder.hpp"
#include "parse/syslog_parser.hpp"

namespace kinesyslog::relay {

class ThreadIngest final : public net::MessageSink, private batch::JournalTap {
 public:
  // `journal`: this thread's, or null (no journal); it must outlive the ingest.
  ThreadIngest(const batch::BatchLimits& limits, batch::ClosedBatchSink sink, parse::EventIdGenerator ids,
               const Clock& clock, size_t max_tracked_sources, size_t max_message_size,
               metrics::RelayCounters& counters, journal::ThreadJournal* journal = nullptr)
      : table_(journal != nullptr ? batch::BatchTable(limits, std::move(sink), journal->id(), this)
                                  : batch::BatchTable(limits, std::move(sink))),
        gelf_(max_message_size),
        ids_(std::move(ids)),
        clock_(clock),
        traffic_(max_tracked_sources),
        counters_(counters),
        journal_(journal) {}

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
  void on_stop() override {
    table_.close_all();
    if (journal_ != nullptr) journal_->flush();
  }

  // Without a journal the defaults hold: everything is durable at once (spooled, or not kept).
  uint64_t position() const override { return last_seq_; }
  uint64_t durable_through() const override {
    return journal_ != nullptr ? journal_->durable_through() : MessageSink::durable_through();
  }
  void want_durable() override {
    if (journal_ != nullptr) journal_->want_sync();
  }
  int durable_wake_fd() const override { return journal_ != nullptr ? journal_->wake_fd() : -1; }
  void on_round_end() override {
    if (journal_ != nullptr) journal_->flush();
  }

  // Read by the metrics endpoint from its own thread.
  const metrics::SourceTrafficTable& traffic() const { return traffic_; }

 private:
  JournalSeq appended(const SourceKey& key, WallTime received, uint64_t raw_bytes,
                      std::string_view json_fragment) override {
    last_seq_ = journal_->append(key, received, raw_bytes, json_fragment);
    return last_seq_;
  }

  batch::BatchTable table_;
  parse::SyslogParser parser_;
  parse::GelfDecoder gelf_;
  parse::EventIdGenerator ids_;
  const Clock& clock_;
  metrics::SourceTrafficTable traffic_;
  metrics::RelayCounters& counters_;
  journal::ThreadJournal* journal_;
  JournalSeq last_seq_ = 0;
};

}  // namespace kinesyslog::relay
