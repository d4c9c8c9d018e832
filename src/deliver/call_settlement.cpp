#include "deliver/call_settlement.hpp"

#include <fmt/format.h>

namespace kinesyslog::deliver {
namespace {

bool was_read(Fate fate) { return fate != Fate::kGone && fate != Fate::kNotARecord && fate != Fate::kUnreadable; }

// Firehose refuses calls as malformed for reasons about the stream too: records refused alone
// while no record of the call was accepted wait with the call (kCallFailed) instead of going to
// quarantine, unless they are over the record limit. When that holds any back and nothing
// failed as a whole, the call becomes a fatal failure.
void hold_refusals_about_the_stream(std::span<const CallRecord> call, std::vector<Fate>& fates,
                                    std::optional<CallFailure>& failure, const CallResult& result,
                                    std::string_view destination, uint64_t max_record_bytes) {
  bool refused = false;
  for (Fate fate : fates) {
    if (fate == Fate::kAccepted) return;  // the stream takes records: the refused ones are at fault
    refused = refused || fate == Fate::kInvalid;
  }
  if (!refused) return;
  size_t held = 0;
  size_t read = 0;
  for (size_t i = 0; i < fates.size(); ++i) {
    read += was_read(fates[i]) ? 1 : 0;
    // Over Firehose's record limit, a record is refused whatever the stream: quarantine it anyway.
    if (fates[i] != Fate::kInvalid || call[i].bytes > max_record_bytes) continue;
    fates[i] = Fate::kCallFailed;
    ++held;
  }
  if (held == 0 || failure) return;  // a part that failed as a whole already pauses the call
  failure = CallFailure{
      true, fmt::format("{} refused every part of a call of {} records, each record alone too, so the refusal is not "
                        "about one record: {}",
                        destination, read, result.invalid_error)};
}

}  // namespace

Settlement settle(std::span<const CallRecord> call, const CallResult& result, const RetryState& retry,
                  std::string_view destination, uint64_t max_record_bytes) {
  std::vector<Fate> fates;
  fates.reserve(call.size());
  for (const CallRecord& record : call) fates.push_back(record.fate);
  std::optional<CallFailure> failure = result.failure;
  hold_refusals_about_the_stream(call, fates, failure, result, destination, max_record_bytes);

  Settlement plan;
  plan.records.resize(call.size());
  plan.quarantine_reason = fmt::format("refused when sent alone: {}", result.invalid_error);
  plan.consecutive_call_failures = result.answered ? 0 : retry.consecutive_call_failures;
  if (failure) {
    Settlement::Pause pause;
    pause.fatal = failure->fatal;
    // A fatal failure waits for the cap; a retryable one backs off with the failures in a row.
    pause.duration = pause.fatal ? retry.backoff.cap() : retry.backoff.delay(plan.consecutive_call_failures, retry.fraction);
    for (Fate fate : fates) pause.records += fate == Fate::kCallFailed ? 1 : 0;
    pause.error = failure->error;
    plan.pause = std::move(pause);
    ++plan.consecutive_call_failures;
  }

  size_t read = 0;
  for (Fate fate : fates) read += was_read(fate) ? 1 : 0;
  for (size_t i = 0; i < call.size(); ++i) {
    const CallRecord& record = call[i];
    RecordStep& step = plan.records[i];
    switch (fates[i]) {
      case Fate::kGone:
        step.step = Step::kForgetVanished;
        break;
      case Fate::kNotARecord:
        step.step = Step::kForget;
        ++plan.failed;
        break;
      case Fate::kUnreadable:
        step.step = Step::kBackOff;
        step.delay = retry.backoff.delay(record.failures, retry.fraction);
        break;
      case Fate::kNotSent:
        step.step = Step::kReady;
        break;
      case Fate::kAccepted:
        step.step = Step::kRemove;
        ++plan.delivered;
        break;
      case Fate::kRejected:
        step.step = Step::kBackOff;
        step.delay = retry.backoff.delay(record.failures, retry.fraction);
        step.failure = record.outcome.error_message;
        ++plan.failed;
        if (!plan.rejected) {
          plan.rejected = Settlement::Rejections{0, read, record.outcome.error_code, record.outcome.error_message};
        }
        ++plan.rejected->count;
        break;
      case Fate::kCallFailed:
        step.step = Step::kBackOff;
        step.delay = plan.pause ? plan.pause->duration : std::chrono::nanoseconds::zero();
        step.failure = plan.pause ? plan.pause->error : std::string();
        ++plan.failed;
        break;
      case Fate::kInvalid:
        step.step = Step::kQuarantine;
        step.failure = result.invalid_error;
        ++plan.failed;
        break;
    }
  }
  return plan;
}

}  // namespace kinesyslog::deliver
