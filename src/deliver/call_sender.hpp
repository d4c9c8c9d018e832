#pragma once
// One call of the delivery loop, outside the loop's index: its records are read from the spool
// into one buffer, laid out as outgoing records (one per spool file, or packed: RecordPacker),
// then sent to the destination as one call, split in halves while the destination refuses it as
// malformed, until the outgoing record at fault is alone; a packed one refused alone is sent
// again unpacked, so that only the spool file at fault is ever quarantined. What became of each
// spool file (the outcome of the outgoing record holding it) goes to records(); settle()
// (call_settlement.hpp) decides what follows, and the plan's events and spool files are applied
// here.
#include <chrono>
#include <cstdint>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/rate_limited_log.hpp"
#include "deliver/busy_watch.hpp"
#include "deliver/call_durations.hpp"
#include "deliver/call_settlement.hpp"
#include "deliver/delivery_events.hpp"
#include "deliver/destination.hpp"
#include "deliver/record_packer.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::deliver {

// When no call (nor the second half of a split one) starts any more: stop requested (run) or
// the shutdown deadline (drain).
struct CallLimits {
  std::stop_token stop;
  SteadyTime deadline = SteadyTime::max();

  // Also true when a call expected to take `call_time` would not end by the deadline.
  bool reached(const Clock& clock, std::chrono::nanoseconds call_time = {}) const {
    if (stop.stop_requested()) return true;
    return deadline != SteadyTime::max() && clock.steady_now() + call_time >= deadline;
  }
};

// One spool file of the call, with what the loop knows of its record.
struct CallFile {
  const spool::SpoolFile* file = nullptr;
  uint32_t failures = 0;      // attempts that did not deliver it so far
  WallTime first_received{};  // receive time of its oldest event
};

// How a call's spool files become outgoing records.
struct CallShape {
  uint64_t pack_record_bytes = RecordPacker::kOnePerRecord;  // pack files into records up to this
  size_t max_records_per_call = 500;                         // PutRecordBatch: 500 records per call
};

// Used by one thread at a time. Reused from call to call: one buffer holds the whole call, so
// memory stays at one call's size however large single records once were.
class CallSender {
 public:
  // `failure_log` and `busy` are the loop's: a failed read or a refused call is logged, and the
  // thread counts as busy inside each spool read and destination call.
  CallSender(spool::Spool& spool, Destination& destination, DeliveryEvents& events, const Clock& clock,
             RateLimitedLog& failure_log, BusyWatch& busy, CallShape shape = {});

  // Reads the call's files in order and lays them out; records()[i] says what became of files[i].
  void read(std::span<const CallFile> files);
  // Sends what read() could read, as one call or its split parts, until `limits` say stop.
  CallResult send(const CallLimits& limits);
  // Whether `limits` leave time for one more call, as long as the recent ones took.
  bool may_start_call(const CallLimits& limits) const {
    return !limits.reached(clock_, durations_.next_call_may_take());
  }
  const std::vector<CallRecord>& records() const { return records_; }

  // The call's plan: tells the events what became of each record (an observer that throws is
  // logged), then removes the delivered files and quarantines the ones at fault.
  void report(std::span<const CallFile> files, const Settlement& plan);
  void settle_files(std::span<const CallFile> files, const Settlement& plan);

 private:
  // [begin, end) are positions in outgoing_.
  void send_range(size_t begin, size_t end, const CallLimits& limits, CallResult& result);
  DeliveryResult deliver_range(size_t begin, size_t end, const CallLimits& limits);
  // A packed record refused alone: its files go out again, each its own record.
  void send_unpacked(size_t packed, const std::string& error, const CallLimits& limits, CallResult& result);
  void add_outgoing(const PackedRecord& record);
  // The spool files in outgoing record `outgoing`, as entries of records_.
  template <class Apply>
  void for_each_file(size_t outgoing, Apply apply);

  spool::Spool& spool_;
  Destination& destination_;
  DeliveryEvents& events_;
  const Clock& clock_;
  RateLimitedLog& failure_log_;
  BusyWatch& busy_;
  const CallShape shape_;

  std::string call_buffer_;  // the files read, end to end
  RecordPacker packer_;
  std::vector<size_t> sent_;                      // positions in the call of the files read into call_buffer_, in order
  std::vector<std::string_view> partition_keys_;  // of each of sent_: its file's source, or its name
  std::vector<PackedRecord> outgoing_;            // first/count are positions in sent_; unpacked ones are appended
  std::vector<OutgoingRecord> views_;             // the bytes (and key) of each of outgoing_
  std::vector<CallRecord> records_;               // one per file of the call
  CallDurations durations_;                       // of the destination calls made so far
};

}  // namespace kinesyslog::deliver
