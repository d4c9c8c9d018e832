#pragma once
// One call's outcome turned into what the delivery loop does next: which files go, which
// records back off and for how long, whether every call pauses, what to report. settle() is
// pure (no spool, clock or lock); DeliveryLoop applies its plan.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deliver/destination.hpp"
#include "deliver/retry_backoff.hpp"

namespace kinesyslog::deliver {

// What became of one record taken into a call.
enum class Fate : uint8_t {
  kGone,        // its spool file was deleted by someone else before it was read
  kNotARecord,  // its spool file cannot be a record: Spool::read moved it to quarantine
  kUnreadable,  // reading it failed this time (I/O error, no memory): retried later
  kNotSent,     // read, but the pass stopped before its part of a split call went out
  kAccepted,    // accepted in an answered call
  kRejected,    // rejected in an answered call: `outcome` says why
  kCallFailed,  // in a part of the call that failed as a whole (CallResult::failure)
  kInvalid,     // alone in a part refused as malformed (CallResult::invalid_error)
};

struct CallRecord {
  Fate fate = Fate::kNotSent;
  uint64_t bytes = 0;     // as read into the call
  uint32_t failures = 0;  // attempts that did not deliver it, before this call
  RecordOutcome outcome;  // the destination's answer, when kAccepted or kRejected
};

struct CallFailure {
  bool fatal = false;  // kFatalFailure: retrying soon will not help
  std::string error;
};

// How the call went as a whole, beside each record's fate.
struct CallResult {
  std::optional<CallFailure> failure;  // the whole-call failure that ended it, if any
  bool answered = false;               // some part got an answer: the destination is reachable
  std::string invalid_error;           // why the destination refused the records marked kInvalid
};

// Where this call's backoff comes from.
struct RetryState {
  const RetryBackoff& backoff;
  double fraction = 0;                     // full jitter, drawn once per call: shared by its records
  uint32_t consecutive_call_failures = 0;  // whole calls failed in a row before this one
};

// What to do with one record of the call.
enum class Step : uint8_t {
  kRemove,          // delivered: remove its file, then forget it
  kQuarantine,      // refused alone and at fault: move its file aside, then forget it
  kForgetVanished,  // its file was deleted meanwhile: forget it, saying so
  kForget,          // not a record (Spool::read moved it aside and said why): forget it
  kBackOff,         // one more failure of its own; ready again after `delay`
  kReady,           // not sent: ready again at once
};

struct RecordStep {
  Step step = Step::kReady;
  std::chrono::nanoseconds delay{};    // kBackOff: from now
  std::optional<std::string> failure;  // a failed attempt to report (DeliveryEvents::record_failed)
};

struct Settlement {
  std::vector<RecordStep> records;  // one per record of the call, in order
  uint64_t delivered = 0;
  uint64_t failed = 0;              // failed attempts, counting files that were not a record
  std::string quarantine_reason;    // for the kQuarantine files

  // Records rejected one by one in an answered call (the log line names the first).
  struct Rejections {
    size_t count = 0;
    size_t of = 0;  // records read into the call
    std::string first_code;
    std::string first_message;
  };
  std::optional<Rejections> rejected;

  // A part of the call failed as a whole: no call goes out for `duration`, and the records
  // that failed with it (kBackOff for `duration`) retry when it ends.
  struct Pause {
    std::chrono::nanoseconds duration{};
    bool fatal = false;  // paused for the backoff cap
    size_t records = 0;  // records that failed with the call
    std::string error;
  };
  std::optional<Pause> pause;
  uint32_t consecutive_call_failures = 0;  // after this call
};

// `destination` names it in the message of a call refused whatever its split; a record over
// `max_record_bytes` (Firehose's record limit) refused alone is at fault whatever the stream.
Settlement settle(std::span<const CallRecord> call, const CallResult& result, const RetryState& retry,
                  std::string_view destination, uint64_t max_record_bytes);

}  // namespace kinesyslog::deliver
