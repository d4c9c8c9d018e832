#pragma once
// The delivery thread (docs/behaviour.md §5, docs/architecture.md#threads): owns the index of records waiting in the
// spool, sends them to the Destination in calls of ≤ 500 records and ≤ 4 MiB, oldest first,
// every `interval` or as soon as 500 wait, and removes a spool file only once its outcome
// says accepted. Failures back off exponentially with full jitter:
//  - records rejected inside an answered call back off one by one (their own attempt count);
//  - a whole failed call (throttling, 5xx, network) pauses every call for the backoff of the
//    destination's consecutive failures, and its records retry when the pause ends;
//  - a fatal failure (access denied, missing stream) is logged as an error and pauses every
//    call for the backoff cap; files stay in the spool;
//  - a call refused as malformed (kInvalidCall) is split in halves until the record at fault is
//    alone; that record is quarantined and the others go on. Firehose refuses calls that way for
//    reasons about the stream too, so a record refused alone is quarantined only when it is over
//    Firehose's record limit or another record of the call was accepted; when every part is
//    refused, the call is a fatal failure and every file stays in the spool.
// Spool files that cannot be a record are quarantined when read (Spool::read). Nothing thrown
// while sending escapes the delivery thread: it is logged and the thread carries on.
//
// Shutdown — the sequence the caller follows, which cannot lose a published record:
//  1. I/O threads stop and close their batches; encoder threads publish the last records into
//     the spool and call notify_published() (safe at any time, from any thread).
//  2. request_stop() on the thread running run(): run() returns once the call in flight (if
//     any) is settled, even in the middle of a backlog. It never drains by itself.
//  3. drain(deadline) on the caller's thread sends everything still waiting at once; no call
//     starts that the recent calls' durations say would not end by the deadline
//     (call_durations.hpp), each call's transport timeout ends at it, and drain returns as soon
//     as no call can go out before it. What it cannot deliver by the deadline stays in the spool
//     and is found by the next start.
// drain() may also run while run() is still running: the two never send at the same time.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <vector>

#include "core/clock.hpp"
#include "core/rate_limited_log.hpp"
#include "deliver/busy_watch.hpp"
#include "deliver/call_sender.hpp"
#include "deliver/call_settlement.hpp"
#include "deliver/delivery_events.hpp"
#include "deliver/destination.hpp"
#include "deliver/record_packer.hpp"
#include "deliver/retry_backoff.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::deliver {

// Which stream a loop serves when several share one spool: the files whose route hashes to
// `index` of `count` (see stream_assignment.hpp); one stream takes every file.
struct StreamShare {
  size_t index = 0;
  size_t count = 1;
};

struct DeliveryOptions {
  std::chrono::nanoseconds interval = std::chrono::seconds(60);  // --delivery-interval
  size_t max_records_per_call = 500;                             // PutRecordBatch: 500 records per call
  uint64_t max_bytes_per_call = 4 * 1024 * 1024;                 // PutRecordBatch: 4 MiB of record data per call
  // --pack-records: spool files are packed into outgoing records of up to this many bytes, and
  // a call holds up to max_records_per_call of those; kOnePerRecord: one spool file per record.
  uint64_t pack_record_bytes = RecordPacker::kOnePerRecord;
  std::chrono::nanoseconds retry_base = std::chrono::seconds(1);
  std::chrono::nanoseconds retry_cap = std::chrono::minutes(5);
  std::shared_ptr<DeliveryEvents> events;  // told what happens (the metrics); nobody when null
  StreamShare share;                       // the files this loop indexes and sends
};

class DeliveryLoop {
 public:
  // Scans the spool: records left by an earlier run are queued and go out on the first pass.
  DeliveryLoop(spool::Spool& spool, Destination& destination, const Clock& clock, const DeliveryOptions& options,
               uint64_t seed);
  // With the result of one Spool::scan() made for all the loops of a spool: keeps its share of `scanned`.
  DeliveryLoop(spool::Spool& spool, Destination& destination, const Clock& clock, const DeliveryOptions& options,
               uint64_t seed, std::vector<spool::SpoolFile> scanned);
  DeliveryLoop(const DeliveryLoop&) = delete;
  DeliveryLoop& operator=(const DeliveryLoop&) = delete;

  // An encoder published `file` into the spool, holding events received from `first_received`
  // on (default: the file's creation time). Thread-safe; a file already known, or one of another
  // stream's share, is ignored.
  void notify_published(const spool::SpoolFile& file, WallTime first_received = {});

  // The delivery thread's body; returns soon after `stop` is requested (see Shutdown above).
  void run(const std::stop_token& stop);

  // Sends everything waiting without waiting for the interval (limits per call and pauses
  // after failed calls still apply). True when nothing waits any more; false at `deadline`.
  bool drain(SteadyTime deadline);

  // One pass at the clock's current time: sends every call that is due. Returns when the next
  // pass is due. run() is this in a loop; tests driving a ManualClock call it directly.
  SteadyTime send_due();

  // The shortest time inside one call or one spool operation that counts as stuck.
  static constexpr std::chrono::minutes kStallLimit{5};
  // kStallLimit, or longer than the backoff cap when that is longer: no wait the loop means to
  // make is ever taken for a stall.
  std::chrono::nanoseconds stall_limit() const { return stall_limit_; }
  // Any thread (the watchdog, /health): records wait and the delivery thread has been inside
  // one destination call or one spool operation for more than stall_limit(). Waiting between
  // passes (the interval, a pause after a failed call) is never a stall, however long.
  bool stalled() const;

  // Age (wall clock) of the oldest record not yet accepted; zero when none waits.
  std::chrono::nanoseconds oldest_waiting_age() const;

 private:
  struct WaitingRecord {
    uint32_t failures = 0;      // attempts that did not deliver it, for its backoff
    WallTime first_received{};  // receive time of its oldest event, for the delivery latency
    bool in_flight = false;     // taken into the call being sent; cleared once settled (backing off or ready)
  };
  using Index = std::map<spool::SpoolFile, WaitingRecord, spool::OldestFirst>;
  using IndexEntry = Index::iterator;
  struct EntryOldestFirst {
    bool operator()(IndexEntry a, IndexEntry b) const { return spool::OldestFirst{}(a->first, b->first); }
  };
  enum class Pass { kContinue, kPaused };

  SteadyTime send_pass(bool draining, const CallLimits& limits);
  // Under state_mutex_: the oldest ready records that fit in one call (once packed, when
  // packing), taken out of ready_.
  std::vector<IndexEntry> take_call();
  // Reads the call, makes it, settles it (settle()) and applies the plan.
  Pass send_call(const std::vector<IndexEntry>& call, const CallLimits& limits);
  // The last step of applying a settlement, after CallSender reported it and settled its files.
  void settle_index_locked(const std::vector<IndexEntry>& call, const Settlement& plan);
  // Under state_mutex_:
  bool promote_due_retries(SteadyTime now);
  SteadyTime next_pass_locked(SteadyTime now) const;
  void back_off_locked(IndexEntry entry, SteadyTime until);
  // send_call unwound (an exception): the records of its call it did not settle back off, so
  // none stays in the index without being ready or backing off (never retried, drain() waits).
  void back_off_unsettled() noexcept;
  void forget_locked(IndexEntry entry);
  void publish_gauges_locked();
  bool ours(const spool::SpoolFile& file) const;

  spool::Spool& spool_;
  Destination& destination_;
  const Clock& clock_;
  const DeliveryOptions options_;
  const std::chrono::nanoseconds stall_limit_;

  std::mutex send_mutex_;  // one call at a time, whether from run() or drain()
  mutable std::mutex state_mutex_;
  std::condition_variable_any wake_;
  bool wake_requested_ = false;
  int drainers_ = 0;

  Index index_;                                        // every waiting record, in flight or not
  std::set<IndexEntry, EntryOldestFirst> ready_;       // may go out in the next call
  std::multimap<SteadyTime, IndexEntry> backing_off_;  // retry times
  SteadyTime next_interval_;
  SteadyTime paused_until_{};  // no call before this, after a whole failed call
  uint32_t consecutive_call_failures_ = 0;
  RetryBackoff backoff_;
  const std::shared_ptr<DeliveryEvents> events_;    // never null
  std::atomic<uint64_t> waiting_{0};                // records known and not yet accepted
  std::atomic<int64_t> oldest_waiting_unix_ns_{0};  // creation time of the oldest of them; 0 when none
  RateLimitedLog failure_log_;                      // per-record and per-call failures repeat while the cause lasts
  BusyWatch busy_;
  CallSender sender_;  // only used under send_mutex_
};

}  // namespace kinesyslog::deliver
