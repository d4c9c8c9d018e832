#include "spool/group_committer.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

namespace kinesyslog::spool {
namespace {

// How long a blocked wait sleeps before it looks at the (possibly manual) clock again.
constexpr auto kDeadlinePoll = std::chrono::milliseconds(50);

}  // namespace

GroupCommitter::GroupCommitter(Spool& spool, CommitSteps& steps, const Clock& clock, GroupCommitLimits limits)
    : spool_(spool), steps_(steps), clock_(clock), limits_(limits), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    deadline_ = SteadyTime::min();
  }
  work_.notify_all();
  thread_.join();
  give_up(pending_);  // handed off after the thread ended (only when the owner skipped drain())
}

void GroupCommitter::hand_off(PendingRecord&& record) {
  std::unique_lock lock(mutex_);
  while (!pending_.empty() &&
         (pending_.size() >= limits_.max_records || pending_bytes_ + record.data.size() > limits_.max_bytes)) {
    if (past_deadline()) {
      throw SpoolError("the spool's group commit is still full at the shutdown deadline");
    }
    room_.wait_for(lock, kDeadlinePoll);
  }
  pending_bytes_ += record.data.size();
  pending_.push_back(std::move(record));
  if (pending_.size() == 1) work_.notify_one();
}

void GroupCommitter::begin_stop(SteadyTime deadline) {
  {
    std::lock_guard lock(mutex_);
    deadline_ = std::min(deadline_, deadline);
  }
  work_.notify_all();
  room_.notify_all();
}

void GroupCommitter::drain(SteadyTime deadline) {
  std::unique_lock lock(mutex_);
  deadline_ = std::min(deadline_, deadline);
  work_.notify_all();
  // The committer gives up at the deadline, so this ends soon after it at the latest.
  settled_.wait(lock, [this] { return pending_.empty() && in_round_ == 0; });
}

uint64_t GroupCommitter::rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

bool GroupCommitter::past_deadline() const { return clock_.steady_now() >= deadline_; }

void GroupCommitter::run() {
  std::vector<PendingRecord> round;
  std::unique_lock lock(mutex_);
  while (true) {
    if (round.empty()) {
      work_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, nothing left
    }
    // Everything handed in since the last round joins it (failed records of the last one stay).
    for (PendingRecord& record : pending_) round.push_back(std::move(record));
    pending_.clear();
    pending_bytes_ = 0;
    in_round_ = round.size();
    room_.notify_all();
    lock.unlock();
    const bool succeeded = commit_round(round);
    steps_.failing(!succeeded);
    lock.lock();
    if (succeeded) ++rounds_;
    if (!round.empty()) {
      if (past_deadline()) {
        lock.unlock();
        give_up(round);
        lock.lock();
      } else {
        // Paused, then the failed records go again with whatever arrived meanwhile.
        const SteadyTime resume = clock_.steady_now() + limits_.retry_pause;
        while (!past_deadline() && clock_.steady_now() < resume) {
          work_.wait_for(lock, std::min<std::chrono::nanoseconds>(limits_.retry_pause, kDeadlinePoll));
        }
        lock.unlock();
        restage_failed(round);
        lock.lock();
      }
    }
    in_round_ = round.size();
    if (round.empty() && pending_.empty()) settled_.notify_all();
  }
}

bool GroupCommitter::commit_round(std::vector<PendingRecord>& round) {
  // Records whose restaging failed have no file yet: they wait for the next attempt.
  std::vector<PendingRecord> failed;
  std::vector<PendingRecord> ready;
  ready.reserve(round.size());
  for (PendingRecord& record : round) (record.staged.written() ? ready : failed).push_back(std::move(record));
  round.clear();
  std::string error;
  if (!ready.empty()) {
    try {
      spool_.sync_staged();
      for (PendingRecord& record : ready) record.durable = true;
      steps_.before_rename(ready);
    } catch (const std::exception& thrown) {
      // Their files stay until restaged: nothing was renamed, nothing names them yet.
      error = thrown.what();
      for (PendingRecord& record : ready) failed.push_back(std::move(record));
      ready.clear();
    }
  }
  if (!ready.empty()) {
    std::vector<StagedRecord> staged;
    staged.reserve(ready.size());
    for (PendingRecord& record : ready) staged.push_back(std::move(record.staged));
    Spool::CommitOutcome outcome = spool_.commit_staged(staged);
    for (size_t i = 0; i < ready.size(); ++i) {
      if (outcome.files[i]) {
        steps_.published(ready[i], *outcome.files[i]);
        continue;
      }
      ready[i].staged = std::move(staged[i]);
      failed.push_back(std::move(ready[i]));
    }
    if (!outcome.error.empty()) error = std::move(outcome.error);
  }
  round = std::move(failed);
  if (round.empty()) return true;
  if (error.empty()) error = "a record could not be staged again";
  error_log_.log(spdlog::level::err, "group commit", "cannot publish {} records into the spool: {}; retrying",
                 round.size(), error);
  return false;
}

void GroupCommitter::restage_failed(std::vector<PendingRecord>& round) {
  for (PendingRecord& record : round) {
    if (record.durable && record.staged.written()) continue;  // tried again as it is (PendingRecord::durable)
    try {
      spool_.restage(record.staged, record.data);
    } catch (const SpoolError& error) {
      // Left without a file: the next round skips it, and it is staged again after that one.
      error_log_.log(spdlog::level::err, "group commit", "{}; retrying", error.what());
    }
  }
}

void GroupCommitter::give_up(std::vector<PendingRecord>& round) {
  size_t left = 0;
  for (PendingRecord& record : round) {
    if (record.durable && record.staged.written() && steps_.next_start_recovers(record)) {
      spool_.leave_for_recovery(std::move(record.staged));
      ++left;
      continue;
    }
    spool_.discard(std::move(record.staged));
    steps_.given_up(record);
  }
  if (left > 0) {
    spdlog::error(
        "spool: {} records not published by the shutdown deadline stay under their temporary names; the next "
        "start's journal recovery takes them",
        left);
  }
  if (round.size() > left) {
    spdlog::critical("spool: gave up on {} records at the shutdown deadline: the disk did not take them",
                     round.size() - left);
  }
  round.clear();
}

}  // namespace kinesyslog::spool
