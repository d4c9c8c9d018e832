#include "relay/spool_publisher.hpp"

#include <utility>
#include <vector>

#include "relay/journal_set.hpp"

namespace kinesyslog::relay {

SpoolPublisher::SpoolPublisher(spool::Spool& spool, StreamLoops& delivery, JournalSet* journals, const Clock& clock,
                               encode::EncoderReporter* reporter, spool::GroupCommitLimits limits)
    : spool_(spool),
      delivery_(delivery),
      journals_(journals),
      reporter_(reporter),
      committer_(spool, *this, clock, limits) {}

void SpoolPublisher::publish(std::string_view record, const SourceKey& source, WallTime first_received,
                             const encode::JournalCoverage& holds) {
  spool::PendingRecord pending;
  pending.staged = spool_.stage(record, spool::RecordRoute{source.source.to_string(), source.port});
  pending.data.assign(record);
  pending.first_received = first_received;
  pending.events = holds.events;
  if (journals_ != nullptr && !holds.seqs.empty()) {
    pending.journal = holds.journal;
    pending.seqs.assign(holds.seqs.begin(), holds.seqs.end());
  }
  try {
    committer_.hand_off(std::move(pending));
  } catch (...) {
    spool_.discard(std::move(pending.staged));  // hand_off() leaves the record untouched when it throws
    throw;
  }
}

void SpoolPublisher::before_rename(std::span<const spool::PendingRecord> round) {
  // Journals in memory only (RELP with the journal off): spooled is durable, nothing to note.
  if (journals_ == nullptr || !journals_->on_disk()) return;
  std::vector<journal::JournalSeqs> groups;
  std::vector<journal::RecordCommit> entries;
  groups.reserve(round.size());
  entries.reserve(round.size());
  for (const spool::PendingRecord& record : round) {
    if (record.seqs.empty()) continue;
    groups.push_back(journal::JournalSeqs{record.journal, record.seqs});
    entries.push_back(journal::RecordCommit{record.staged.temporary_name(),
                                            std::span<const journal::JournalSeqs>(&groups.back(), 1)});
  }
  // Not noted: the events stay unpublished in the journal, and the round is tried again.
  journals_->commit_log().commit(entries);
}

void SpoolPublisher::published(spool::PendingRecord& record, const spool::SpoolFile& file) {
  delivery_.notify_published(file, record.first_received);
  settle(record.journal, record.seqs);
}

void SpoolPublisher::given_up(spool::PendingRecord& record) {
  if (reporter_ != nullptr) reporter_->lost(encode::Loss::kSpoolFailed, record.events);
}

bool SpoolPublisher::next_start_recovers(const spool::PendingRecord& record) const {
  return journals_ != nullptr && journals_->on_disk() && !record.seqs.empty();
}

void SpoolPublisher::failing(bool failing) {
  if (reporter_ != nullptr) reporter_->spool_commits_failing(failing);
}

void SpoolPublisher::give_up(encode::Loss loss, const encode::JournalCoverage& events) {
  if (loss == encode::Loss::kOversizeEvent || loss == encode::Loss::kSpoolFull) settle(events.journal, events.seqs);
}

void SpoolPublisher::settle(const JournalId& journal, std::span<const JournalSeq> seqs) {
  if (journals_ == nullptr || seqs.empty()) return;
  // Recovery replays other runs' events: their files are removed as a whole once it is done.
  if (journal::ThreadJournal* found = journals_->find(journal)) found->settle(seqs);
}

}  // namespace kinesyslog::relay
