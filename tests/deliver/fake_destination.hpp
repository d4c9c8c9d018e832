#pragma once
// A Destination that records every call and answers from a script, for the loop's tests.
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "deliver/destination.hpp"

namespace kinesyslog::testing {

using deliver::DeliveryResult;
using deliver::Destination;
using deliver::RecordOutcome;

class FakeDestination final : public Destination {
 public:
  using Answer = std::function<DeliveryResult(std::span<const std::string_view>)>;

  // Answers are used one per call, in order; once they run out `otherwise` answers (by
  // default every record is accepted).
  void then(Answer answer) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(answer));
  }
  void otherwise(Answer answer) {
    std::lock_guard lock(mutex_);
    otherwise_ = std::move(answer);
  }

  using Destination::deliver;
  // The script sees the records' data; their partition keys are kept in partition_keys().
  DeliveryResult deliver(std::span<const deliver::OutgoingRecord> outgoing,
                         std::chrono::milliseconds time_limit) override {
    std::vector<std::string_view> records;
    records.reserve(outgoing.size());
    for (const deliver::OutgoingRecord& record : outgoing) records.push_back(record.data);
    Answer answer;
    {
      std::lock_guard lock(mutex_);
      calls_.emplace_back(records.begin(), records.end());
      auto& keys = partition_keys_.emplace_back();
      for (const deliver::OutgoingRecord& record : outgoing) keys.emplace_back(record.partition_key);
      time_limits_.push_back(time_limit);
      answer = otherwise_;
      if (!script_.empty()) {
        answer = std::move(script_.front());
        script_.pop_front();
      }
    }
    // Unlocked: an answer may throw, or look at the loop (stalled()) as a slow call would.
    DeliveryResult result = answer ? answer(records) : accept_all(records);
    std::lock_guard lock(mutex_);
    if (result.status == DeliveryResult::Status::kDelivered) {
      for (size_t i = 0; i < records.size() && i < result.outcomes.size(); ++i) {
        if (result.outcomes[i].accepted) ++accepted_[std::string(records[i])];
      }
    }
    return result;
  }
  std::string_view describe() const override { return "fake destination"; }

  std::vector<std::vector<std::string>> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  // The partition key of each record of each call, as calls().
  std::vector<std::vector<std::string>> partition_keys() const {
    std::lock_guard lock(mutex_);
    return partition_keys_;
  }
  // The time limit each call was given, in order.
  std::vector<std::chrono::milliseconds> time_limits() const {
    std::lock_guard lock(mutex_);
    return time_limits_;
  }
  // How often each record's content was accepted.
  std::map<std::string, int> accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

  static DeliveryResult accept_all(std::span<const std::string_view> records) {
    return DeliveryResult::delivered(std::vector<RecordOutcome>(records.size(), RecordOutcome::accept("id")));
  }
  // Accepts every record except those `reject` picks, which get a PutRecordBatch-style ErrorCode.
  static Answer reject_if(std::function<bool(std::string_view)> reject) {
    return [reject = std::move(reject)](std::span<const std::string_view> records) {
      std::vector<RecordOutcome> outcomes;
      for (std::string_view record : records) {
        outcomes.push_back(reject(record) ? RecordOutcome::reject("ServiceUnavailableException", "Slow down.")
                                          : RecordOutcome::accept("id"));
      }
      return DeliveryResult::delivered(std::move(outcomes));
    };
  }
  // Refuses the whole call, as Firehose does with ValidationException (HTTP 400), whenever
  // it holds a record `poison` picks; accepts every other call.
  static Answer refuse_call_holding(std::function<bool(std::string_view)> poison) {
    return [poison = std::move(poison)](std::span<const std::string_view> records) {
      for (std::string_view record : records) {
        if (poison(record)) {
          return DeliveryResult::invalid_call("ValidationException (HTTP 400): Member must have length less than or "
                                              "equal to 1024000");
        }
      }
      return accept_all(records);
    };
  }
  static Answer fail_call(DeliveryResult::Status status) {
    return [status](std::span<const std::string_view>) {
      return DeliveryResult{status, "the fake says no", {}};
    };
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Answer> script_;
  Answer otherwise_;
  std::vector<std::vector<std::string>> calls_;
  std::vector<std::vector<std::string>> partition_keys_;
  std::vector<std::chrono::milliseconds> time_limits_;
  std::map<std::string, int> accepted_;
};

}  // namespace kinesyslog::testing
