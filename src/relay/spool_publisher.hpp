#pragma once
// The encoders' RecordPublisher: a record goes into the spool, and the delivery thread hears of
// it. With the journal, a record holding journaled events is published in two phases so that a
// crash can neither lose its events nor publish them twice: the record is written and synced
// under its temporary name, the commit log notes "that name holds these events" durably, then
// the rename makes it visible; only then are the events settled in their journal (which may
// then delete their segment). Recovery rolls noted temporaries forward and replays the rest.
#include <string_view>

#include "core/clock.hpp"
#include "core/source_key.hpp"
#include "encode/encoder_pool.hpp"
#include "relay/stream_loops.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::relay {

class JournalSet;

class SpoolPublisher final : public encode::RecordPublisher {
 public:
  // `journals`: null when no event is journaled (every record takes spool::Spool::publish); in
  // memory only, records are published plainly and their events settled.
  SpoolPublisher(spool::Spool& spool, StreamLoops& delivery, JournalSet* journals)
      : spool_(spool), delivery_(delivery), journals_(journals) {}

  void publish(std::string_view record, const SourceKey& source, WallTime first_received,
               const encode::JournalCoverage& holds) override;
  // Events no record will hold: settled when keeping them could never help (too large for any
  // record; refused by the operator's spool cap), so their segments can go. Events lost at
  // shutdown stay unsettled: their segment survives, and the next start replays them.
  void give_up(encode::Loss loss, const encode::JournalCoverage& events) override;

 private:
  spool::SpoolFile publish_committed(std::string_view record, const spool::RecordRoute& route,
                                     const encode::JournalCoverage& holds);
  void settle(const encode::JournalCoverage& events);

  spool::Spool& spool_;
  StreamLoops& delivery_;  // hands each published file to its stream's loop
  JournalSet* journals_;
};

}  // namespace kinesyslog::relay
