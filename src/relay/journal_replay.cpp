#include "relay/journal_replay.hpp"

#include <exception>
#include <memory>
#include <unordered_map>

#include <spdlog/spdlog.h>

namespace kinesyslog::relay {

JournalReplay::JournalReplay(const std::filesystem::path& journal_dir, uint64_t current_run, spool::Spool& spool,
                             metrics::JournalCounters& counters)
    : counters_(counters) {
  try {
    recovery_.emplace(journal_dir, current_run);
  } catch (const std::exception& error) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("journal recovery: cannot read {}: {}; nothing is replayed, its files stay", journal_dir.string(),
                  error.what());
    return;
  }
  for (const std::string& temporary : recovery_->records_to_roll_forward()) {
    try {
      if (spool.roll_forward(temporary)) ++rolled_forward_;
    } catch (const spool::SpoolError& error) {
      counters_.errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("journal recovery: {}", error.what());
    }
  }
}

void JournalReplay::replay(const batch::BatchLimits& limits, encode::EncoderPool& encoders, const Clock& clock) {
  if (!recovery_) return;
  // One table per old journal, as its I/O thread had: the same grouping by source and port.
  std::unordered_map<JournalId, std::unique_ptr<batch::BatchTable>, JournalIdHash> tables;
  const auto submit = [&encoders](ClosedBatch&& batch) { encoders.submit(std::move(batch)); };
  uint64_t events = 0;
  recovery_->for_each_unpublished([&](const JournalId& journal, const journal::RecoveredEntry& entry) {
    auto& table = tables[journal];
    if (!table) table = std::make_unique<batch::BatchTable>(limits, submit, journal, nullptr);
    table->append_encoded(entry.key, entry.json, entry.raw_bytes, entry.received, clock.steady_now(), entry.seq);
    ++events;
  });
  for (auto& [journal, table] : tables) table->close_all();
  encoders.wait_until_idle();
  counters_.recovered_events.fetch_add(events, std::memory_order_relaxed);
  recovery_->remove_recovered_files();
  const journal::RecoveryCounts& counts = recovery_->counts();
  if (counts.segments_read + counts.commit_logs_read + counts.segments_quarantined > 0 || rolled_forward_ > 0) {
    spdlog::info(
        "journal recovery: {} events replayed into records, {} already published skipped, {} records rolled "
        "forward; {} segments and {} commit logs read, {} torn tails dropped, {} segments and {} commit logs "
        "quarantined",
        events, counts.entries_published, rolled_forward_, counts.segments_read, counts.commit_logs_read,
        counts.torn_tails_dropped, counts.segments_quarantined, counts.commit_logs_quarantined);
  }
  recovery_.reset();
}

}  // namespace kinesyslog::relay
