#include "deliver/call_sender.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kinesyslog::deliver {
namespace {

// The time a call may take before `deadline`, rounded up to a whole millisecond.
std::chrono::milliseconds time_left(SteadyTime now, SteadyTime deadline) {
  if (deadline == SteadyTime::max()) return kNoTimeLimit;
  return std::max(std::chrono::ceil<std::chrono::milliseconds>(deadline - now), std::chrono::milliseconds(1));
}

}  // namespace

CallSender::CallSender(spool::Spool& spool, Destination& destination, DeliveryEvents& events, const Clock& clock,
                       RateLimitedLog& failure_log, BusyWatch& busy)
    : spool_(spool), destination_(destination), events_(events), clock_(clock), failure_log_(failure_log), busy_(busy) {}

void CallSender::read(std::span<const CallFile> files) {
  call_buffer_.clear();
  record_ends_.clear();
  views_.clear();
  sent_.clear();
  records_.assign(files.size(), CallRecord{});
  for (size_t i = 0; i < files.size(); ++i) {
    CallRecord& record = records_[i];
    record.failures = files[i].failures;
    const size_t before = call_buffer_.size();
    try {
      const BusyWatch::Scope busy(busy_);
      const spool::ReadResult read = spool_.read(*files[i].file, call_buffer_);
      if (read == spool::ReadResult::kGone) {
        record.fate = Fate::kGone;
        continue;
      }
      if (read == spool::ReadResult::kQuarantined) {
        record.fate = Fate::kNotARecord;
        continue;
      }
    } catch (const std::exception& error) {  // SpoolError, and anything else (bad_alloc): per record
      call_buffer_.resize(std::min(before, call_buffer_.size()));
      failure_log_.log(spdlog::level::err, "spool read", "delivery: {}; will try again", error.what());
      record.fate = Fate::kUnreadable;
      continue;
    }
    record_ends_.push_back(call_buffer_.size());
    sent_.push_back(i);
  }
  size_t begin = 0;
  for (size_t k = 0; k < record_ends_.size(); ++k) {
    const spool::SpoolFile& file = *files[sent_[k]].file;
    // Kinesis Data Streams shards by this key: one source's records stay on one shard, in order.
    const std::string_view partition_key = file.source.empty() ? std::string_view(file.name) : file.source;
    views_.push_back({std::string_view(call_buffer_.data() + begin, record_ends_[k] - begin), partition_key});
    records_[sent_[k]].bytes = views_.back().data.size();
    begin = record_ends_[k];
  }
}

CallResult CallSender::send(const CallLimits& limits) {
  CallResult result;
  if (!sent_.empty()) send_range(0, sent_.size(), limits, result);
  return result;
}

DeliveryResult CallSender::deliver_range(size_t begin, size_t end, const CallLimits& limits) {
  const std::span<const OutgoingRecord> records(views_.data() + begin, end - begin);
  uint64_t bytes = 0;
  for (const OutgoingRecord& record : records) bytes += record.data.size();
  DeliveryResult result;
  try {
    const BusyWatch::Scope busy(busy_);
    events_.call_starting(records.size(), bytes);
    result = destination_.deliver(records, time_left(clock_.steady_now(), limits.deadline));
  } catch (const std::exception& error) {
    result = DeliveryResult::retryable_failure(fmt::format("{} failed unexpectedly: {}", destination_.describe(), error.what()));
  }
  if (result.status == DeliveryResult::Status::kDelivered && result.outcomes.size() != records.size()) {
    result = DeliveryResult::retryable_failure(fmt::format("{} answered {} outcomes for {} records",
                                                           destination_.describe(), result.outcomes.size(), records.size()));
  }
  return result;
}

void CallSender::send_range(size_t begin, size_t end, const CallLimits& limits, CallResult& result) {
  DeliveryResult answer = deliver_range(begin, end, limits);
  switch (answer.status) {
    case DeliveryResult::Status::kDelivered:
      result.answered = true;
      for (size_t i = begin; i < end; ++i) {
        CallRecord& record = records_[sent_[i]];
        record.outcome = std::move(answer.outcomes[i - begin]);
        record.fate = record.outcome.accepted ? Fate::kAccepted : Fate::kRejected;
      }
      return;
    case DeliveryResult::Status::kInvalidCall:
      result.answered = true;
      if (end - begin == 1) {
        records_[sent_[begin]].fate = Fate::kInvalid;
        result.invalid_error = std::move(answer.error);
        return;
      }
      failure_log_.log(spdlog::level::warn, "invalid call",
                       "delivery: {}; splitting the call of {} records to find the record at fault", answer.error,
                       end - begin);
      {
        const size_t middle = begin + (end - begin) / 2;
        send_range(begin, middle, limits, result);
        // The second half waits (kNotSent) when the first failed as a whole or the pass must stop.
        if (!result.failure && !limits.reached(clock_)) send_range(middle, end, limits, result);
      }
      return;
    case DeliveryResult::Status::kRetryableFailure:
    case DeliveryResult::Status::kFatalFailure:
      for (size_t i = begin; i < end; ++i) records_[sent_[i]].fate = Fate::kCallFailed;
      result.failure = CallFailure{answer.status == DeliveryResult::Status::kFatalFailure, std::move(answer.error)};
      return;
  }
}

void CallSender::report(std::span<const CallFile> files, const Settlement& plan) {
  try {
    for (size_t i = 0; i < files.size(); ++i) {
      const RecordStep& step = plan.records[i];
      if (step.step == Step::kRemove) events_.record_delivered(files[i].file->size, files[i].first_received);
      if (step.failure) events_.record_failed(*step.failure);
    }
  } catch (const std::exception& error) {  // an observer failed: the outcomes still count
    failure_log_.log(spdlog::level::err, "hooks", "delivery: reporting outcomes failed: {}", error.what());
  }
}

// The loop calls this without holding its state lock: encoder threads keep publishing meanwhile.
void CallSender::settle_files(std::span<const CallFile> files, const Settlement& plan) {
  for (size_t i = 0; i < files.size(); ++i) {
    const spool::SpoolFile& file = *files[i].file;
    if (plan.records[i].step == Step::kRemove) {
      try {
        const BusyWatch::Scope busy(busy_);
        spool_.remove(file);
      } catch (const std::exception& error) {
        // Delivered already: sending it again now would duplicate it, so it leaves the index anyway.
        spdlog::error("delivery: {}; it may be delivered again after a restart", error.what());
      }
    } else if (plan.records[i].step == Step::kQuarantine) {
      try {
        const BusyWatch::Scope busy(busy_);
        spool_.quarantine(file, plan.quarantine_reason);
      } catch (const std::exception& error) {  // as when the move fails: it stays in place and is not sent again
        spdlog::error("delivery: cannot quarantine spool file {}: {}", file.name, error.what());
      }
    }
  }
}

}  // namespace kinesyslog::deliver
