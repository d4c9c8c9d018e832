#pragma once
// Recovery at start, in two steps around the spool's scan:
//  1. (constructor, before delivery scans the spool, which would delete temporaries) the
//     journals of earlier runs are listed and their commit logs read; every record a commit
//     log names that is still under its temporary name is renamed into place.
//  2. (replay(), once the encoders run and before the I/O threads do) the events no published
//     record holds are rebuilt into batches — per old journal and source, with their original
//     JSON, so ids and timestamps are as before — encoded and published through this run's
//     commit log (a crash meanwhile neither loses nor duplicates them); once all are published
//     the old journal files are deleted.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "batch/batch_table.hpp"
#include "core/clock.hpp"
#include "encode/encoder_pool.hpp"
#include "journal/journal_recovery.hpp"
#include "metrics/journal_counters.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::relay {

class JournalReplay {
 public:
  // `journal_dir` may not exist (a first start, or the journal was off). Never throws for
  // damaged journal files (they are quarantined); an unreadable directory is logged and skipped.
  JournalReplay(const std::filesystem::path& journal_dir, uint64_t current_run, spool::Spool& spool,
                metrics::JournalCounters& counters);

  // Blocks until every replayed event is published or given up. `limits` close batches as
  // the live tables would (by size and memory); the rest close at the end.
  void replay(const batch::BatchLimits& limits, encode::EncoderPool& encoders, const Clock& clock);

  uint64_t rolled_forward() const { return rolled_forward_; }

 private:
  std::optional<journal::JournalRecovery> recovery_;
  metrics::JournalCounters& counters_;
  uint64_t rolled_forward_ = 0;
};

}  // namespace kinesyslog::relay
