#pragma once
// The encoders' RecordPublisher: a record goes into the spool, and the delivery thread hears of
// it. Records are published by group commit (spool::GroupCommitter): an encoder stages its
// record and returns, and one round makes everything staged meanwhile durable with one sync.
// With the journal, a round's records are published in two phases so that a crash can neither
// lose their events nor publish them twice: written and synced under their temporary names,
// noted in the commit log ("that name holds these events", one entry each, one sync for all),
// then renamed into place; only then are their events settled in their journal (which may then
// delete their segment). Recovery rolls noted temporaries forward and replays the rest.
#include <span>
#include <string_view>

#include "core/clock.hpp"
#include "core/source_key.hpp"
#include "encode/encoder_pool.hpp"
#include "relay/stream_loops.hpp"
#include "spool/group_committer.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::relay {

class JournalSet;

class SpoolPublisher final : public encode::RecordPublisher, private spool::CommitSteps {
 public:
  // `journals`: null when no event is journaled (no commit log); in memory only, records are
  // published plainly and their events settled. `reporter` (may be null) hears of records the
  // shutdown deadline dropped and of failing rounds. `delivery` hears of each published record.
  SpoolPublisher(spool::Spool& spool, StreamLoops& delivery, JournalSet* journals, const Clock& clock,
                 encode::EncoderReporter* reporter = nullptr, spool::GroupCommitLimits limits = {});

  // Stages the record (its name carrying `source`, which picks its stream) and hands it to the
  // committer; returns before it is durable (drain() waits for that). Throws as
  // spool::Spool::stage() does, or SpoolError when the hand-off is still full at the shutdown deadline.
  void publish(std::string_view record, const SourceKey& source, WallTime first_received,
               const encode::JournalCoverage& holds) override;
  // Events no record will hold: settled when keeping them could never help (too large for any
  // record; refused by the operator's spool cap), so their segments can go. Events lost at
  // shutdown stay unsettled: their segment survives, and the next start replays them.
  void give_up(encode::Loss loss, const encode::JournalCoverage& events) override;
  void begin_stop(SteadyTime deadline) override { committer_.begin_stop(deadline); }
  void drain(SteadyTime deadline) override { committer_.drain(deadline); }

  uint64_t rounds() const { return committer_.rounds(); }

 private:
  void before_rename(std::span<const spool::PendingRecord> round) override;
  void published(spool::PendingRecord& record, const spool::SpoolFile& file) override;
  void given_up(spool::PendingRecord& record) override;
  bool next_start_recovers(const spool::PendingRecord& record) const override;
  void failing(bool failing) override;
  void settle(const JournalId& journal, std::span<const JournalSeq> seqs);

  spool::Spool& spool_;
  StreamLoops& delivery_;  // hands each published file to its stream's loop
  JournalSet* journals_;
  encode::EncoderReporter* reporter_;
  spool::GroupCommitter committer_;  // last: its thread uses the members above
};

}  // namespace kinesyslog::relay
