#include "relay/spool_publisher.hpp"

#include <exception>
#include <utility>

#include "relay/journal_set.hpp"

namespace kinesyslog::relay {

void SpoolPublisher::publish(std::string_view record, const SourceKey& source, WallTime first_received,
                             const encode::JournalCoverage& holds) {
  const spool::RecordRoute route{source.source.to_string(), source.port};
  if (journals_ == nullptr || holds.seqs.empty()) {
    delivery_.notify_published(spool_.publish(record, route), first_received);
    return;
  }
  // Journals in memory only (RELP with the journal off): spooled is durable, nothing to note.
  delivery_.notify_published(
      journals_->on_disk() ? publish_committed(record, route, holds) : spool_.publish(record, route), first_received);
  settle(holds);
}

spool::SpoolFile SpoolPublisher::publish_committed(std::string_view record, const spool::RecordRoute& route,
                                                   const encode::JournalCoverage& holds) {
  spool::PreparedRecord prepared = spool_.prepare(record, route);
  try {
    journals_->commit_log().commit(prepared.temporary_name(), holds.journal, holds.seqs);
  } catch (const std::exception&) {
    // Not noted: the events stay unpublished in the journal, and the encoder tries again.
    spool_.discard(std::move(prepared));
    throw;
  }
  return spool_.commit(std::move(prepared));
}

void SpoolPublisher::give_up(encode::Loss loss, const encode::JournalCoverage& events) {
  if (loss == encode::Loss::kOversizeEvent || loss == encode::Loss::kSpoolFull) settle(events);
}

void SpoolPublisher::settle(const encode::JournalCoverage& events) {
  if (journals_ == nullptr || events.seqs.empty()) return;
  // Recovery replays other runs' events: their files are removed as a whole once it is done.
  if (journal::ThreadJournal* journal = journals_->find(events.journal)) journal->settle(events.seqs);
}

}  // namespace kinesyslog::relay
