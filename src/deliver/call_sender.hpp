#pragma once
// One call of the delivery loop, outside the loop's index: its records are read from the spool
// into one buffer, then sent to the destination as one call, split in halves while the
// destination refuses it as malformed, until the record at fault is alone. What became of each
// record goes to records(); settle() (call_settlement.hpp) decides what follows, and the plan's
// events and spool files are applied here.
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
#include "deliver/call_settlement.hpp"
#include "deliver/delivery_events.hpp"
#include "deliver/destination.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::deliver {

// When no call (nor the second half of a split one) starts any more: stop requested (run) or
// the shutdown deadline (drain).
struct CallLimits {
  std::stop_token stop;
  SteadyTime deadline = SteadyTime::max();

  bool reached(const Clock& clock) const { return stop.stop_requested() || clock.steady_now() >= deadline; }
};

// One spool file of the call, with what the loop knows of its record.
struct CallFile {
  const spool::SpoolFile* file = nullptr;
  uint32_t failures = 0;      // attempts that did not deliver it so far
  WallTime first_received{};  // receive time of its oldest event
};

// Used by one thread at a time. Reused from call to call: one buffer holds the whole call, so
// memory stays at one call's size however large single records once were.
class CallSender {
 public:
  // `failure_log` and `busy` are the loop's: a failed read or a refused call is logged, and the
  // thread counts as busy inside each spool read and destination call.
  CallSender(spool::Spool& spool, Destination& destination, DeliveryEvents& events, const Clock& clock,
             RateLimitedLog& failure_log, BusyWatch& busy);

  // Reads the call's files in order; records()[i] says what became of files[i].
  void read(std::span<const CallFile> files);
  // Sends what read() could read, as one call or its split parts, until `limits` say stop.
  CallResult send(const CallLimits& limits);
  const std::vector<CallRecord>& records() const { return records_; }

  // The call's plan: tells the events what became of each record (an observer that throws is
  // logged), then removes the delivered files and quarantines the ones at fault.
  void report(std::span<const CallFile> files, const Settlement& plan);
  void settle_files(std::span<const CallFile> files, const Settlement& plan);

 private:
  void send_range(size_t begin, size_t end, const CallLimits& limits, CallResult& result);
  DeliveryResult deliver_range(size_t begin, size_t end, const CallLimits& limits);

  spool::Spool& spool_;
  Destination& destination_;
  DeliveryEvents& events_;
  const Clock& clock_;
  RateLimitedLog& failure_log_;
  BusyWatch& busy_;

  std::string call_buffer_;
  std::vector<size_t> record_ends_;
  std::vector<OutgoingRecord> views_;
  std::vector<size_t> sent_;         // positions in the call of the records read into it, as views_
  std::vector<CallRecord> records_;  // one per file of the call
};

}  // namespace kinesyslog::deliver
