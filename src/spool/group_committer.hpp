#pragma once
// Group commit for the spool. Publishing records one by one costs two syncs each (the file's
// data, then its directory entry), which bounds the record rate by the disk's sync rate — too
// slow when many sources each close a tiny batch at once (a scan, a restart of a fleet, the
// shutdown's last batches). Instead, publishers stage each record (written under its temporary
// name, not synced) and hand it to one committer thread; each round of the committer takes
// everything handed in since the last one and makes it durable with one filesystem sync, lets
// its owner note the round durably (the journal's commit log: one entry per record, one sync),
// renames the records into place and syncs the directory once. Publishers block only while the
// hand-off is full (back-pressure), never on a record's durability.
//
// Crash safety is the one-record path's: a name under the record prefix appears only by a rename
// after its data is durable, and the directory sync follows before anyone hears of it. A round
// that fails at the sync keeps its records' bytes, removes their files and writes them anew under
// fresh names before the next attempt (after a failed write-back the page cache cannot be
// trusted). A record that got past the sync keeps its temporary file until it is renamed into
// place, whatever fails later: the journal's recovery reads a noted temporary name that is gone
// as a record that was published.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/journal_position.hpp"
#include "core/rate_limited_log.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::spool {

// One record handed to the committer, and what its owner needs once it is published.
struct PendingRecord {
  StagedRecord staged;
  std::string data;  // kept to write it anew if a round fails
  WallTime first_received{};
  size_t events = 0;
  JournalId journal{};
  std::vector<JournalSeq> seqs;  // the journal entries it holds; empty when not journaled
  // A round got past the sync with it: its data is durable under its temporary name, which its
  // owner may have noted. From then on it is never written anew nor removed, only renamed.
  bool durable = false;
};

// The owner's part of each round. Called on the committer's thread only.
class CommitSteps {
 public:
  virtual ~CommitSteps() = default;
  // Every record of the round is durable under its temporary name and none is renamed yet.
  // Throws to fail the round (no record of it is published; they are tried again).
  virtual void before_rename(std::span<const PendingRecord> round) = 0;
  // `record` is published as `file` (visible in the spool, its directory entry durable).
  virtual void published(PendingRecord& record, const SpoolFile& file) = 0;
  // The shutdown deadline passed while `record` still failed: it is dropped from the spool.
  virtual void given_up(PendingRecord& record) = 0;
  // Whether the next start's recovery finds `record`'s events (a journal on disk holds them). At
  // the deadline a record whose data is durable then stays under its temporary name instead of
  // being given up: recovery rolls it forward when its name was noted, else replays its events.
  virtual bool next_start_recovers(const PendingRecord& record) const = 0;
  // Whether the last round failed.
  virtual void failing(bool failing) = 0;
};

struct GroupCommitLimits {
  // Back-pressure: hand_off() waits while this much waits for a round. Each record is a small
  // file closed after staging, so only memory bounds the count; the bytes bound the memory.
  size_t max_records = 16384;
  uint64_t max_bytes = uint64_t{64} << 20;
  std::chrono::nanoseconds retry_pause = std::chrono::seconds(1);  // after a failed round
};

class GroupCommitter {
 public:
  GroupCommitter(Spool& spool, CommitSteps& steps, const Clock& clock, GroupCommitLimits limits = {});
  ~GroupCommitter();  // what is still pending is given up; then the thread ends
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Any thread: queues a staged record for the next round, waiting while the hand-off is full.
  // Throws SpoolError (the record untouched) when it is still full at the shutdown deadline.
  void hand_off(PendingRecord&& record);
  // Shutdown, first step: no wait of hand_off() or of a retry pause lasts past `deadline`.
  void begin_stop(SteadyTime deadline);
  // Returns once every record handed off so far is published or, past `deadline` while rounds
  // fail, given up.
  void drain(SteadyTime deadline);

  uint64_t rounds() const;  // rounds that published something (tests count group commits with it)

 private:
  void run();
  // One round over `round`: what failed stays in it (restaged), what was published leaves it.
  bool commit_round(std::vector<PendingRecord>& round);
  void restage_failed(std::vector<PendingRecord>& round);
  void give_up(std::vector<PendingRecord>& round);
  bool past_deadline() const;  // requires mutex_

  Spool& spool_;
  CommitSteps& steps_;
  const Clock& clock_;
  GroupCommitLimits limits_;
  RateLimitedLog error_log_{clock_};

  mutable std::mutex mutex_;
  std::condition_variable work_;     // the committer: records arrived, or stop
  std::condition_variable room_;     // publishers: the hand-off has room
  std::condition_variable settled_;  // drain(): everything handed off is settled
  std::vector<PendingRecord> pending_;
  uint64_t pending_bytes_ = 0;
  size_t in_round_ = 0;  // records the committer holds (a round, or a failed round awaiting retry)
  SteadyTime deadline_ = SteadyTime::max();
  bool stopping_ = false;  // the destructor: end the thread
  uint64_t rounds_ = 0;
  std::thread thread_;
};

}  // namespace kinesyslog::spool
