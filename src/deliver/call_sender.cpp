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
                       RateLimitedLog& failure_log, BusyWatch& busy, CallShape shape)
    : spool_(spool),
      destination_(destination),
      events_(events),
      clock_(clock),
      failure_log_(failure_log),
      busy_(busy),
      shape_(shape),
      packer_(shape.pack_record_bytes) {}

void CallSender::read(std::span<const CallFile> files) {
  call_buffer_.clear();
  packer_.clear();
  sent_.clear();
  partition_keys_.clear();
  outgoing_.clear();
  views_.clear();
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
    record.bytes = call_buffer_.size() - before;
    packer_.add(call_buffer_.size() - before);
    sent_.push_back(i);
    // Kinesis Data Streams shards by this key: one source's records stay on one shard, in order.
    const spool::SpoolFile& file = *files[i].file;
    partition_keys_.push_back(file.source.empty() ? std::string_view(file.name) : std::string_view(file.source));
  }
  for (const PackedRecord& packed : packer_.records()) add_outgoing(packed);
}

void CallSender::add_outgoing(const PackedRecord& record) {
  outgoing_.push_back(record);
  // A packed record goes to Kinesis under its first file's key.
  views_.push_back(OutgoingRecord{std::string_view(call_buffer_.data() + record.offset, record.length),
                                  partition_keys_[record.first]});
}

template <class Apply>
void CallSender::for_each_file(size_t outgoing, Apply apply) {
  const PackedRecord& record = outgoing_[outgoing];
  for (size_t k = record.first; k < record.first + record.count; ++k) apply(records_[sent_[k]]);
}

CallResult CallSender::send(const CallLimits& limits) {
  CallResult result;
  if (!outgoing_.empty()) send_range(0, outgoing_.size(), limits, result);
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
    const SteadyTime started = clock_.steady_now();
    result = destination_.deliver(records, time_left(started, limits.deadline));
    durations_.add(clock_.steady_now() - started);
  } catch (const std::exception& error) {
    result = DeliveryResult::retryable_failure(
        fmt::format("{} failed unexpectedly: {}", destination_.describe(), error.what()));
  }
  if (result.status == DeliveryResult::Status::kDelivered && result.outcomes.size() != records.size()) {
    result = DeliveryResult::retryable_failure(fmt::format(
        "{} answered {} outcomes for {} records", destination_.describe(), result.outcomes.size(), records.size()));
  }
  return result;
}

void CallSender::send_range(size_t begin, size_t end, const CallLimits& limits, CallResult& result) {
  DeliveryResult answer = deliver_range(begin, end, limits);
  switch (answer.status) {
    case DeliveryResult::Status::kDelivered:
      result.answered = true;
      // A packed record's outcome is the outcome of every file in it.
      for (size_t i = begin; i < end; ++i) {
        const RecordOutcome& outcome = answer.outcomes[i - begin];
        for_each_file(i, [&outcome](CallRecord& record) {
          record.outcome = outcome;
          record.fate = outcome.accepted ? Fate::kAccepted : Fate::kRejected;
        });
      }
      return;
    case DeliveryResult::Status::kInvalidCall:
      result.answered = true;
      if (end - begin == 1 && outgoing_[begin].count > 1) {
        send_unpacked(begin, answer.error, limits, result);
        return;
      }
      if (end - begin == 1) {
        for_each_file(begin, [](CallRecord& record) { record.fate = Fate::kInvalid; });
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
        if (!result.failure && may_start_call(limits)) send_range(middle, end, limits, result);
      }
      return;
    case DeliveryResult::Status::kRetryableFailure:
    case DeliveryResult::Status::kFatalFailure:
      for (size_t i = begin; i < end; ++i)
        for_each_file(i, [](CallRecord& record) { record.fate = Fate::kCallFailed; });
      result.failure = CallFailure{answer.status == DeliveryResult::Status::kFatalFailure, std::move(answer.error)};
      return;
  }
}

void CallSender::send_unpacked(size_t packed, const std::string& error, const CallLimits& limits, CallResult& result) {
  const PackedRecord record = outgoing_[packed];  // a copy: outgoing_ grows below
  failure_log_.log(spdlog::level::warn, "invalid packed record",
                   "delivery: {}; sending the {} spool records packed together one by one to find the one at fault",
                   error, record.count);
  const size_t begin = outgoing_.size();
  size_t offset = record.offset;
  for (size_t k = record.first; k < record.first + record.count; ++k) {
    const auto length = static_cast<size_t>(records_[sent_[k]].bytes);
    add_outgoing(PackedRecord{offset, length, k, 1});
    offset += length;
  }
  const size_t end = outgoing_.size();
  // Each part is a call of its own, within the records-per-call limit; like the second half of a
  // split call, a later part waits (kNotSent) once a part failed as a whole or the pass must stop.
  const size_t step = std::max<size_t>(shape_.max_records_per_call, 1);
  for (size_t part = begin; part < end; part += step) {
    if (part != begin && (result.failure || !may_start_call(limits))) return;
    send_range(part, std::min(part + step, end), limits, result);
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
