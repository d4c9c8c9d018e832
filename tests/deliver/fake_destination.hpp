#pragma once
// A Destination that records every call and answers from a script, for the loop's tests.
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "deliver/destination.hpp"

namespace kinesyslog::testing {

using deliver::DeliveryResult;
using deliver::Destination;
using deliver::RecordOutcome;

class FakeDestination final : public Destination {
 public:
  using Answer = std::function<DeliveryResult(std::span<const std::string_view>)>;

  // Answers are used one per call, in order; once they run out every record is accepted.
  void then(Answer answer) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(answer));
  }

  DeliveryResult deliver(std::span<const std::string_view> records) override {
    std::lock_guard lock(mutex_);
    calls_.emplace_back(records.begin(), records.end());
    DeliveryResult result = accept_all(records);
    if (!script_.empty()) {
      result = script_.front()(records);
      script_.pop_front();
    }
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
  static Answer fail_call(DeliveryResult::Status status) {
    return [status](std::span<const std::string_view>) {
      return DeliveryResult{status, "the fake says no", {}};
    };
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Answer> script_;
  std::vector<std::vector<std::string>> calls_;
  std::map<std::string, int> accepted_;
};

}  // namespace kinesyslog::testing
