#include "deliver/delivery_loop.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

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

}  // namespace

DeliveryLoop::DeliveryLoop(spool::Spool& spool, Destination& destination, const Clock& clock, DeliveryOptions options,
                           uint64_t seed)
    : spool_(spool),
      destination_(destination),
      clock_(clock),
      options_(checked(options)),
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
  while (!stop.stop_requested()) {
    const SteadyTime next = send_due();
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
  bool nothing_waits = false;
  while (true) {
    const SteadyTime next = send_pass(/*draining=*/true);
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

SteadyTime DeliveryLoop::send_due() { return send_pass(/*draining=*/false); }

SteadyTime DeliveryLoop::send_pass(bool draining) {
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
      call = take_call();
    }
    if (send_call(call) == Pass::kPaused) {
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
    call.push_back(*next);
    next = ready_.erase(next);
  }
  return call;
}

DeliveryLoop::Pass DeliveryLoop::send_call(const std::vector<IndexEntry>& call) {
  call_buffer_.clear();
  record_ends_.clear();
  views_.clear();
  sent_.clear();
  std::vector<IndexEntry> vanished;
  std::vector<IndexEntry> unreadable;
  // Map keys never change and these entries are in flight (ours alone), so they are read unlocked.
  for (IndexEntry entry : call) {
    try {
      if (!spool_.read(entry->first, call_buffer_)) {
        vanished.push_back(entry);
        continue;
      }
    } catch (const spool::SpoolError& error) {
      failure_log_.log(spdlog::level::err, "spool read", "delivery: {}; will try again", error.what());
      unreadable.push_back(entry);
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

  DeliveryResult result = DeliveryResult::delivered({});
  if (!sent_.empty()) {
    counters_.calls.fetch_add(1, std::memory_order_relaxed);
    if (options_.hooks.call_sent) options_.hooks.call_sent(sent_.size(), call_buffer_.size());
    try {
      result = destination_.deliver(views_);
    } catch (const std::exception& error) {
      result = DeliveryResult::retryable_failure(fmt::format("{} failed unexpectedly: {}", destination_.describe(), error.what()));
    }
    if (result.status == DeliveryResult::Status::kDelivered && result.outcomes.size() != sent_.size()) {
      result = DeliveryResult::retryable_failure(fmt::format("{} answered {} outcomes for {} records",
                                                             destination_.describe(), result.outcomes.size(), sent_.size()));
    }
  }
  report_outcomes(result);
  // Unlink without holding the state lock: encoder threads keep publishing meanwhile.
  if (result.status == DeliveryResult::Status::kDelivered) {
    for (size_t i = 0; i < sent_.size(); ++i) {
      if (!result.outcomes[i].accepted) continue;
      try {
        spool_.remove(sent_[i]->first);
      } catch (const spool::SpoolError& error) {
        // Delivered already: sending it again now would duplicate it, so it leaves the index anyway.
        spdlog::error("delivery: {}; it may be delivered again after a restart", error.what());
      }
    }
  }

  std::lock_guard lock(state_mutex_);
  const SteadyTime now = clock_.steady_now();
  const double fraction = backoff_.draw_fraction();  // full jitter, shared by the records that failed together
  for (IndexEntry entry : vanished) {
    spdlog::warn("delivery: spool file {} disappeared before it was delivered", entry->first.name);
    forget_locked(entry);
  }
  for (IndexEntry entry : unreadable) {
    back_off_locked(entry, now + backoff_.delay(entry->second.failures++, fraction));
  }
  Pass pass = Pass::kContinue;
  switch (result.status) {
    case DeliveryResult::Status::kDelivered: {
      if (!sent_.empty()) consecutive_call_failures_ = 0;
      size_t rejected = 0;
      const RecordOutcome* first_rejection = nullptr;
      for (size_t i = 0; i < sent_.size(); ++i) {
        const RecordOutcome& outcome = result.outcomes[i];
        if (outcome.accepted) {
          counters_.records_delivered.fetch_add(1, std::memory_order_relaxed);
          forget_locked(sent_[i]);
          continue;
        }
        if (first_rejection == nullptr) first_rejection = &outcome;
        ++rejected;
        counters_.records_failed.fetch_add(1, std::memory_order_relaxed);
        back_off_locked(sent_[i], now + backoff_.delay(sent_[i]->second.failures++, fraction));
      }
      if (first_rejection != nullptr) {
        failure_log_.log(spdlog::level::warn, "rejected " + first_rejection->error_code,
                         "delivery: {} rejected {} of {} records (first: {}: {}); they stay in the spool and are retried",
                         destination_.describe(), rejected, sent_.size(), first_rejection->error_code,
                         first_rejection->error_message);
      }
      break;
    }
    case DeliveryResult::Status::kRetryableFailure: {
      const std::chrono::nanoseconds pause = backoff_.delay(consecutive_call_failures_, fraction);
      pause_after_failed_call_locked(now + pause);
      failure_log_.log(spdlog::level::warn, "call failed", "delivery: a call of {} records failed, retrying in {:.3f} s: {}",
                       sent_.size(), seconds(pause), result.error);
      pass = Pass::kPaused;
      break;
    }
    case DeliveryResult::Status::kFatalFailure: {
      pause_after_failed_call_locked(now + backoff_.cap());
      spdlog::error("delivery: {}; this will not succeed until the cause is fixed. {} records stay in spool {}; "
                    "next attempt in {:.0f} s",
                    result.error, index_.size(), spool_.directory().string(), seconds(backoff_.cap()));
      pass = Pass::kPaused;
      break;
    }
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
void DeliveryLoop::report_outcomes(const DeliveryResult& result) const {
  const DeliveryHooks& hooks = options_.hooks;
  for (size_t i = 0; i < sent_.size(); ++i) {
    if (result.status != DeliveryResult::Status::kDelivered) {
      if (hooks.record_failed) hooks.record_failed(result.error);
    } else if (result.outcomes[i].accepted) {
      if (hooks.record_accepted) hooks.record_accepted(sent_[i]->first.size, sent_[i]->second.first_received);
    } else if (hooks.record_failed) {
      hooks.record_failed(result.outcomes[i].error_message);
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
  for (IndexEntry entry : sent_) {
    ++entry->second.failures;
    counters_.records_failed.fetch_add(1, std::memory_order_relaxed);
    back_off_locked(entry, until);
  }
}

void DeliveryLoop::back_off_locked(IndexEntry entry, SteadyTime until) { backing_off_.emplace(until, entry); }

void DeliveryLoop::forget_locked(IndexEntry entry) { index_.erase(entry); }

void DeliveryLoop::publish_gauges_locked() {
  counters_.waiting.store(index_.size(), std::memory_order_relaxed);
  const int64_t oldest = index_.empty() ? 0
                                        : std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              index_.begin()->first.created.time_since_epoch())
                                              .count();
  counters_.oldest_waiting_unix_ns.store(oldest, std::memory_order_relaxed);
}

std::chrono::nanoseconds DeliveryLoop::oldest_waiting_age() const {
  const int64_t oldest = counters_.oldest_waiting_unix_ns.load(std::memory_order_relaxed);
  if (oldest == 0) return std::chrono::nanoseconds::zero();
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count();
  return std::chrono::nanoseconds{std::max<int64_t>(0, now - oldest)};
}

}  // namespace kinesyslog::deliver
