#include "deliver/delivery_loop.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/record.hpp"

namespace kinesyslog::deliver {
namespace {

// A driven clock (tests) does not signal when it moves, so waits re-read it at least this often.
constexpr std::chrono::nanoseconds kMaxIdleWait = std::chrono::seconds(1);

std::chrono::nanoseconds wait_between(SteadyTime now, SteadyTime until) {
  return std::clamp<std::chrono::nanoseconds>(until - now, std::chrono::nanoseconds::zero(), kMaxIdleWait);
}

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

DeliveryOptions checked(DeliveryOptions options) {
  if (options.max_records_per_call == 0) throw std::invalid_argument("delivery: max_records_per_call must be at least 1");
  if (options.interval <= std::chrono::nanoseconds::zero()) throw std::invalid_argument("delivery: interval must be positive");
  return options;
}

// The time a call may take before `deadline`, rounded up to a whole millisecond.
std::chrono::milliseconds time_left(SteadyTime now, SteadyTime deadline) {
  if (deadline == SteadyTime::max()) return kNoTimeLimit;
  return std::max(std::chrono::ceil<std::chrono::milliseconds>(deadline - now), std::chrono::milliseconds(1));
}

int64_t steady_ns(SteadyTime time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

// After something unexpected escaped a pass, the thread waits this long before the next one.
constexpr std::chrono::nanoseconds kAfterUnexpectedError = std::chrono::seconds(1);

}  // namespace

DeliveryLoop::DeliveryLoop(spool::Spool& spool, Destination& destination, const Clock& clock, DeliveryOptions options,
                           uint64_t seed)
    : spool_(spool),
      destination_(destination),
      clock_(clock),
      options_(checked(options)),
      // Strictly longer than the cap, so that even a wait of exactly the cap never counts.
      stall_limit_(std::max<std::chrono::nanoseconds>(kStallLimit, options_.retry_cap + std::chrono::seconds(1))),
      next_interval_(clock.steady_now()),  // leftovers have waited long enough: the first pass sends them
      backoff_(options.retry_base, options.retry_cap, seed),
      failure_log_(clock) {
  std::lock_guard lock(state_mutex_);
  for (spool::SpoolFile& file : spool_.scan()) {
    const WallTime created = file.created;
    ready_.insert(index_.try_emplace(std::move(file), WaitingRecord{0, created}).first);
  }
  publish_gauges_locked();
  if (!index_.empty()) {
    spdlog::info("delivery: {} records left in spool {} by an earlier run will be delivered to {}", index_.size(),
                 spool_.directory().string(), destination_.describe());
  }
}

void DeliveryLoop::notify_published(const spool::SpoolFile& file, WallTime first_received) {
  std::lock_guard lock(state_mutex_);
  const auto [entry, inserted] =
      index_.try_emplace(file, WaitingRecord{0, first_received == WallTime{} ? file.created : first_received});
  if (!inserted) return;
  ready_.insert(entry);
  publish_gauges_locked();
  // SPEC §5: a full call's worth waiting is sent without waiting for the interval.
  if (ready_.size() >= options_.max_records_per_call || drainers_ > 0) {
    wake_requested_ = true;
    wake_.notify_all();
  }
}

void DeliveryLoop::run(std::stop_token stop) {
  const PassLimits limits{stop, SteadyTime::max()};
  while (!stop.stop_requested()) {
    SteadyTime next;
    try {
      next = send_pass(/*draining=*/false, limits);
    } catch (const std::exception& error) {
      // Never let the delivery thread die (std::terminate would lose every open batch).
      failure_log_.log(spdlog::level::err, "unexpected", "delivery: unexpected error, carrying on: {}", error.what());
      next = clock_.steady_now() + kAfterUnexpectedError;
    }
    std::unique_lock lock(state_mutex_);
    wake_.wait_for(lock, stop, wait_between(clock_.steady_now(), next), [this] { return wake_requested_; });
    wake_requested_ = false;
  }
}

bool DeliveryLoop::drain(SteadyTime deadline) {
  {
    std::lock_guard lock(state_mutex_);
    ++drainers_;
  }
  const PassLimits limits{{}, deadline};
  bool nothing_waits = false;
  while (true) {
    SteadyTime next;
    try {
      next = send_pass(/*draining=*/true, limits);
    } catch (const std::exception& error) {
      spdlog::error("delivery: unexpected error while draining, carrying on: {}", error.what());
      next = clock_.steady_now() + kAfterUnexpectedError;
    }
    std::unique_lock lock(state_mutex_);
    if (index_.empty()) {
      nothing_waits = true;
      --drainers_;
      break;
    }
    const SteadyTime now = clock_.steady_now();
    if (now >= deadline) {
      --drainers_;
      spdlog::warn("delivery: {} records not delivered to {} by the shutdown deadline stay in spool {}",
                   index_.size(), destination_.describe(), spool_.directory().string());
      break;
    }
    wake_.wait_for(lock, wait_between(now, std::min(next, deadline)), [this] { return wake_requested_; });
    wake_requested_ = false;
  }
  return nothing_waits;
}

SteadyTime DeliveryLoop::send_due() { return send_pass(/*draining=*/false, PassLimits{}); }

bool DeliveryLoop::limit_reached(const PassLimits& limits) const {
  return limits.stop.stop_requested() || clock_.steady_now() >= limits.deadline;
}

SteadyTime DeliveryLoop::send_pass(bool draining, const PassLimits& limits) {
  std::lock_guard send_lock(send_mutex_);
  bool round_open = draining;  // an open round sends everything ready, not just full calls
  while (true) {
    std::vector<IndexEntry> call;
    {
      std::lock_guard lock(state_mutex_);
      const SteadyTime now = clock_.steady_now();
      if (now < paused_until_) return paused_until_;
      if (promote_due_retries(now)) round_open = true;
      if (now >= next_interval_) {
        next_interval_ = now + options_.interval;
        round_open = true;
      }
      const bool full_call_waits = ready_.size() >= options_.max_records_per_call;
      if (ready_.empty() || !(round_open || full_call_waits)) return next_pass_locked(now);
      // A backlog is sent call after call; stop and deadline are honoured between calls.
      if (limit_reached(limits)) return next_pass_locked(now);
      call = take_call();
    }
    Pass pass = Pass::kContinue;
    try {
      pass = send_call(call, limits);
    } catch (...) {
      back_off_unsettled();
      throw;
    }
    if (pass == Pass::kPaused) {
      std::lock_guard lock(state_mutex_);
      return next_pass_locked(clock_.steady_now());
    }
  }
}

std::vector<DeliveryLoop::IndexEntry> DeliveryLoop::take_call() {
  std::vector<IndexEntry> call;
  uint64_t bytes = 0;
  auto next = ready_.begin();
  while (next != ready_.end() && call.size() < options_.max_records_per_call) {
    const uint64_t size = (*next)->first.size;
    // A record larger than the byte limit still goes alone, so it cannot block the queue.
    if (!call.empty() && bytes + size > options_.max_bytes_per_call) break;
    bytes += size;
    (*next)->second.in_flight = true;
    call.push_back(*next);
    next = ready_.erase(next);
  }
  return call;
}

void DeliveryLoop::read_call(const std::vector<IndexEntry>& call, NotRead& not_read) {
  call_buffer_.clear();
  record_ends_.clear();
  views_.clear();
  sent_.clear();
  // Map keys never change and these entries are in flight (ours alone), so they are read unlocked.
  for (IndexEntry entry : call) {
    const size_t before = call_buffer_.size();
    try {
      const BusyScope busy(*this);
      const spool::ReadResult read = spool_.read(entry->first, call_buffer_);
      if (read == spool::ReadResult::kGone) {
        not_read.gone.push_back(entry);
        continue;
      }
      if (read == spool::ReadResult::kQuarantined) {
        not_read.quarantined.push_back(entry);
        continue;
      }
    } catch (const std::exception& error) {  // SpoolError, and anything else (bad_alloc): per record
      call_buffer_.resize(std::min(before, call_buffer_.size()));
      failure_log_.log(spdlog::level::err, "spool read", "delivery: {}; will try again", error.what());
      not_read.unreadable.push_back(entry);
      continue;
    }
    record_ends_.push_back(call_buffer_.size());
    sent_.push_back(entry);
  }
  size_t begin = 0;
  for (size_t end : record_ends_) {
    views_.emplace_back(call_buffer_.data() + begin, end - begin);
    begin = end;
  }
}

DeliveryResult DeliveryLoop::deliver_range(size_t begin, size_t end, const PassLimits& limits) {
  const std::span<const std::string_view> records(views_.data() + begin, end - begin);
  uint64_t bytes = 0;
  for (std::string_view record : records) bytes += record.size();
  counters_.calls.fetch_add(1, std::memory_order_relaxed);
  DeliveryResult result;
  try {
    const BusyScope busy(*this);
    if (options_.hooks.call_sent) options_.hooks.call_sent(records.size(), bytes);
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

void DeliveryLoop::send_range(size_t begin, size_t end, const PassLimits& limits) {
  DeliveryResult result = deliver_range(begin, end, limits);
  switch (result.status) {
    case DeliveryResult::Status::kDelivered:
      call_answered_ = true;
      for (size_t i = begin; i < end; ++i) {
        outcomes_[i] = std::move(result.outcomes[i - begin]);
        fates_[i] = outcomes_[i].accepted ? Fate::kAccepted : Fate::kRejected;
      }
      return;
    case DeliveryResult::Status::kInvalidCall:
      call_answered_ = true;
      if (end - begin == 1) {
        fates_[begin] = Fate::kInvalid;
        invalid_error_ = std::move(result.error);
        return;
      }
      failure_log_.log(spdlog::level::warn, "invalid call",
                       "delivery: {}; splitting the call of {} records to find the record at fault", result.error,
                       end - begin);
      {
        const size_t middle = begin + (end - begin) / 2;
        send_range(begin, middle, limits);
        // The second half waits (kNotSent) when the first failed as a whole or the pass must stop.
        if (!call_failed_ && !limit_reached(limits)) send_range(middle, end, limits);
      }
      return;
    case DeliveryResult::Status::kRetryableFailure:
    case DeliveryResult::Status::kFatalFailure:
      for (size_t i = begin; i < end; ++i) fates_[i] = Fate::kCallFailed;
      call_failed_ = true;
      call_failure_ = std::move(result);
      return;
  }
}

void DeliveryLoop::hold_refusals_about_the_stream() {
  bool refused = false;
  for (Fate fate : fates_) {
    if (fate == Fate::kAccepted) return;  // the stream takes records: the refused ones are at fault
    refused = refused || fate == Fate::kInvalid;
  }
  if (!refused) return;
  size_t held = 0;
  for (size_t i = 0; i < sent_.size(); ++i) {
    // Over Firehose's record limit, a record is refused whatever the stream: quarantine it anyway.
    if (fates_[i] != Fate::kInvalid || views_[i].size() > kFirehoseMaxRecordBytes) continue;
    fates_[i] = Fate::kCallFailed;
    ++held;
  }
  if (held == 0 || call_failed_) return;  // a part that failed as a whole already pauses the call
  call_failed_ = true;
  call_failure_ = DeliveryResult::fatal_failure(
      fmt::format("{} refused every part of a call of {} records, each record alone too, so the refusal is not about "
                  "one record: {}",
                  destination_.describe(), sent_.size(), invalid_error_));
}

DeliveryLoop::Pass DeliveryLoop::send_call(const std::vector<IndexEntry>& call, const PassLimits& limits) {
  NotRead not_read;
  read_call(call, not_read);
  fates_.assign(sent_.size(), Fate::kNotSent);
  outcomes_.assign(sent_.size(), RecordOutcome{});
  call_failed_ = false;
  call_answered_ = false;
  invalid_error_.clear();
  if (!sent_.empty()) send_range(0, sent_.size(), limits);
  hold_refusals_about_the_stream();
  try {
    report_outcomes();
  } catch (const std::exception& error) {  // an observer failed: the outcomes below still count
    failure_log_.log(spdlog::level::err, "hooks", "delivery: reporting outcomes failed: {}", error.what());
  }
  // Unlink and quarantine without holding the state lock: encoder threads keep publishing meanwhile.
  for (size_t i = 0; i < sent_.size(); ++i) {
    if (fates_[i] == Fate::kAccepted) {
      try {
        const BusyScope busy(*this);
        spool_.remove(sent_[i]->first);
      } catch (const std::exception& error) {
        // Delivered already: sending it again now would duplicate it, so it leaves the index anyway.
        spdlog::error("delivery: {}; it may be delivered again after a restart", error.what());
      }
    } else if (fates_[i] == Fate::kInvalid) {
      try {
        const BusyScope busy(*this);
        spool_.quarantine(sent_[i]->first, fmt::format("refused when sent alone: {}", invalid_error_));
      } catch (const std::exception& error) {  // as when the move fails: it stays in place and is not sent again
        spdlog::error("delivery: cannot quarantine spool file {}: {}", sent_[i]->first.name, error.what());
      }
    }
  }

  std::lock_guard lock(state_mutex_);
  const SteadyTime now = clock_.steady_now();
  const double fraction = backoff_.draw_fraction();  // full jitter, shared by the records that failed together
  for (IndexEntry entry : not_read.gone) {
    spdlog::warn("delivery: spool file {} disappeared before it was delivered", entry->first.name);
    forget_locked(entry);
  }
  for (IndexEntry entry : not_read.quarantined) {
    counters_.records_failed.fetch_add(1, std::memory_order_relaxed);
    forget_locked(entry);  // Spool::read logged why; never sent
  }
  for (IndexEntry entry : not_read.unreadable) {
    back_off_locked(entry, now + backoff_.delay(entry->second.failures++, fraction));
  }
  if (call_answered_) consecutive_call_failures_ = 0;
  size_t rejected = 0;
  const RecordOutcome* first_rejection = nullptr;
  for (size_t i = 0; i < sent_.size(); ++i) {
    switch (fates_[i]) {
      case Fate::kAccepted:
        counters_.records_delivered.fetch_add(1, std::memory_order_relaxed);
        forget_locked(sent_[i]);
        break;
      case Fate::kRejected:
        if (first_rejection == nullptr) first_rejection = &outcomes_[i];
        ++rejected;
        counters_.records_failed.fetch_add(1, std::memory_order_relaxed);
        back_off_locked(sent_[i], now + backoff_.delay(sent_[i]->second.failures++, fraction));
        break;
      case Fate::kInvalid:
        counters_.records_failed.fetch_add(1, std::memory_order_relaxed);
        forget_locked(sent_[i]);
        break;
      case Fate::kNotSent:
        sent_[i]->second.in_flight = false;
        ready_.insert(sent_[i]);
        break;
      case Fate::kCallFailed:
        break;  // below, with the pause
    }
  }
  if (first_rejection != nullptr) {
    failure_log_.log(spdlog::level::warn, "rejected " + first_rejection->error_code,
                     "delivery: {} rejected {} of {} records (first: {}: {}); they stay in the spool and are retried",
                     destination_.describe(), rejected, sent_.size(), first_rejection->error_code,
                     first_rejection->error_message);
  }
  Pass pass = Pass::kContinue;
  if (call_failed_) {
    size_t failed = 0;
    for (Fate fate : fates_) failed += fate == Fate::kCallFailed ? 1 : 0;
    if (call_failure_.status == DeliveryResult::Status::kRetryableFailure) {
      const std::chrono::nanoseconds pause = backoff_.delay(consecutive_call_failures_, fraction);
      pause_after_failed_call_locked(now + pause);
      failure_log_.log(spdlog::level::warn, "call failed", "delivery: a call of {} records failed, retrying in {:.3f} s: {}",
                       failed, seconds(pause), call_failure_.error);
    } else {
      pause_after_failed_call_locked(now + backoff_.cap());
      spdlog::error("delivery: {}; this will not succeed until the cause is fixed. {} records stay in spool {}; "
                    "next attempt in {:.0f} s",
                    call_failure_.error, index_.size(), spool_.directory().string(), seconds(backoff_.cap()));
    }
    pass = Pass::kPaused;
  }
  publish_gauges_locked();
  // Whoever waits in drain() re-checks whether anything is left.
  if (drainers_ > 0) {
    wake_requested_ = true;
    wake_.notify_all();
  }
  return pass;
}

// Entries in flight are ours alone (see send_call), so their fields are read unlocked.
void DeliveryLoop::report_outcomes() const {
  const DeliveryHooks& hooks = options_.hooks;
  for (size_t i = 0; i < sent_.size(); ++i) {
    switch (fates_[i]) {
      case Fate::kAccepted:
        if (hooks.record_accepted) hooks.record_accepted(sent_[i]->first.size, sent_[i]->second.first_received);
        break;
      case Fate::kRejected:
        if (hooks.record_failed) hooks.record_failed(outcomes_[i].error_message);
        break;
      case Fate::kCallFailed:
        if (hooks.record_failed) hooks.record_failed(call_failure_.error);
        break;
      case Fate::kInvalid:
        if (hooks.record_failed) hooks.record_failed(invalid_error_);
        break;
      case Fate::kNotSent:
        break;
    }
  }
}

bool DeliveryLoop::promote_due_retries(SteadyTime now) {
  bool promoted = false;
  while (!backing_off_.empty() && backing_off_.begin()->first <= now) {
    ready_.insert(backing_off_.begin()->second);
    backing_off_.erase(backing_off_.begin());
    promoted = true;
  }
  return promoted;
}

SteadyTime DeliveryLoop::next_pass_locked(SteadyTime now) const {
  if (now < paused_until_) return paused_until_;
  if (ready_.size() >= options_.max_records_per_call) return now;
  SteadyTime next = next_interval_;
  if (!backing_off_.empty()) next = std::min(next, backing_off_.begin()->first);
  return next;
}

void DeliveryLoop::pause_after_failed_call_locked(SteadyTime until) {
  ++consecutive_call_failures_;
  paused_until_ = until;
  for (size_t i = 0; i < sent_.size(); ++i) {
    if (fates_[i] != Fate::kCallFailed) continue;
    ++sent_[i]->second.failures;
    counters_.records_failed.fetch_add(1, std::memory_order_relaxed);
    back_off_locked(sent_[i], until);
  }
}

void DeliveryLoop::back_off_locked(IndexEntry entry, SteadyTime until) {
  backing_off_.emplace(until, entry);
  entry->second.in_flight = false;
}

void DeliveryLoop::back_off_unsettled() noexcept {
  try {
    std::lock_guard lock(state_mutex_);
    const SteadyTime now = clock_.steady_now();
    const double fraction = backoff_.draw_fraction();
    // Only one call is in flight at a time, so every entry still marked belongs to the one that unwound.
    for (auto entry = index_.begin(); entry != index_.end(); ++entry) {
      if (entry->second.in_flight) back_off_locked(entry, now + backoff_.delay(entry->second.failures++, fraction));
    }
    publish_gauges_locked();
    if (drainers_ > 0) {
      wake_requested_ = true;
      wake_.notify_all();
    }
  } catch (...) {  // out of memory even for this: the entries left marked wait for a restart
  }
}

void DeliveryLoop::forget_locked(IndexEntry entry) { index_.erase(entry); }

void DeliveryLoop::publish_gauges_locked() {
  counters_.waiting.store(index_.size(), std::memory_order_relaxed);
  const int64_t oldest = index_.empty() ? 0
                                        : std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              index_.begin()->first.created.time_since_epoch())
                                              .count();
  counters_.oldest_waiting_unix_ns.store(oldest, std::memory_order_relaxed);
}

DeliveryLoop::BusyScope::BusyScope(DeliveryLoop& loop) : loop_(loop) {
  loop_.busy_since_ns_.store(steady_ns(loop_.clock_.steady_now()), std::memory_order_relaxed);
}

DeliveryLoop::BusyScope::~BusyScope() { loop_.busy_since_ns_.store(kNotBusy, std::memory_order_relaxed); }

bool DeliveryLoop::stalled() const {
  if (counters_.waiting.load(std::memory_order_relaxed) == 0) return false;
  const int64_t since = busy_since_ns_.load(std::memory_order_relaxed);
  if (since == kNotBusy) return false;
  return steady_ns(clock_.steady_now()) - since > stall_limit_.count();
}

std::chrono::nanoseconds DeliveryLoop::oldest_waiting_age() const {
  const int64_t oldest = counters_.oldest_waiting_unix_ns.load(std::memory_order_relaxed);
  if (oldest == 0) return std::chrono::nanoseconds::zero();
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count();
  return std::chrono::nanoseconds{std::max<int64_t>(0, now - oldest)};
}

}  // namespace kinesyslog::deliver
