#pragma once
// Where records go once they are in the spool: Firehose PutRecordBatch, Kinesis Data Streams
// PutRecords, or the local output directory. The shape follows both calls: one call carries
// up to 500 records, and a call that got an answer has one outcome per record, in order.
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kinesyslog::deliver {

// One record of a call. Kinesis Data Streams picks the shard from `partition_key` (the
// record's source address), so one host's records stay in order on one shard; Firehose and
// the output directory ignore it.
struct OutgoingRecord {
  std::string_view data;
  std::string_view partition_key;
};

// One entry of PutRecordBatch's RequestResponses.
struct RecordOutcome {
  bool accepted = false;       // true when the entry carries a RecordId
  std::string record_id;       // RecordId when accepted (may be empty for destinations without ids)
  std::string error_code;      // ErrorCode when rejected, e.g. "ServiceUnavailableException"
  std::string error_message;   // ErrorMessage when rejected

  static RecordOutcome accept(std::string id = {}) { return RecordOutcome{true, std::move(id), {}, {}}; }
  static RecordOutcome reject(std::string code, std::string message) {
    return RecordOutcome{false, {}, std::move(code), std::move(message)};
  }
};

struct DeliveryResult {
  enum class Status {
    kDelivered,         // the call was answered: `outcomes` holds one entry per record, in order
    kRetryableFailure,  // the whole call failed and may succeed later: throttling, 5xx, network, disk full
    kFatalFailure,      // retrying soon will not help: access denied, missing stream
    kInvalidCall,       // the whole call was refused as malformed (a record or the call too large):
                        // the same records will never pass together; some record may pass alone
  };
  Status status = Status::kRetryableFailure;
  std::string error;                   // for failures: what went wrong, naming the stream/directory
  std::vector<RecordOutcome> outcomes;  // only for kDelivered

  static DeliveryResult delivered(std::vector<RecordOutcome> outcomes) {
    return DeliveryResult{Status::kDelivered, {}, std::move(outcomes)};
  }
  static DeliveryResult retryable_failure(std::string error) {
    return DeliveryResult{Status::kRetryableFailure, std::move(error), {}};
  }
  static DeliveryResult fatal_failure(std::string error) {
    return DeliveryResult{Status::kFatalFailure, std::move(error), {}};
  }
  static DeliveryResult invalid_call(std::string error) {
    return DeliveryResult{Status::kInvalidCall, std::move(error), {}};
  }
};

// No bound on one call's duration beyond the destination's own timeouts.
inline constexpr std::chrono::milliseconds kNoTimeLimit = std::chrono::milliseconds::max();

// Called from the one delivery thread only; implementations need not be thread-safe.
class Destination {
 public:
  virtual ~Destination() = default;
  // Sends one call. `records` respects the caller's limits (≤ 500 records, ≤ 4 MiB of data);
  // the views are valid only during the call. Failures are reported in the result, not thrown.
  // A call that would take longer than `time_limit` (the shutdown deadline) fails instead.
  virtual DeliveryResult deliver(std::span<const OutgoingRecord> records, std::chrono::milliseconds time_limit) = 0;
  DeliveryResult deliver(std::span<const OutgoingRecord> records) { return deliver(records, kNoTimeLimit); }
  // For logs: "Firehose stream NAME in REGION", "Kinesis stream NAME in REGION", "output directory DIR".
  virtual std::string_view describe() const = 0;
};

}  // namespace kinesyslog::deliver
