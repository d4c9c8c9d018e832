#include "deliver/delivery_loop.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/record.hpp"
#include "deliver/stream_assignment.hpp"

namespace kinesyslog::deliver {
namespace {

// A driven clock (tests) does not signal when it moves, so waits re-read it at least this often.
constexpr std::chrono::nanoseconds kMaxIdleWait = std::chrono::seconds(1);

std::chrono::nanoseconds wait_between(SteadyTime now, SteadyTime until) {
  return std::clamp<std::chrono::nanoseconds>(until - now, std::chrono::nanoseconds::zero(), kMaxIdleWait);
}

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

DeliveryOptions checked(DeliveryOptions options) {
  if (options.max_records_per_call == 0)
    throw std::invalid_argument("delivery: max_records_per_call must be at least 1");
  if (options.interval <= std::chrono::nanoseconds::zero())
    throw std::invalid_argument("delivery: interval must be positive");
  if (options.share.index >= options.share.count) throw std::invalid_argument("delivery: stream index out of range");
  return options;
}

// After something unexpected escaped a pass, the thread waits this long before the next one.
constexpr std::chrono::nanoseconds kAfterUnexpectedError = std::chrono::seconds(1);

}  // namespace

DeliveryLoop::DeliveryLoop(spool::Spool& spool, Destination& destination, const Clock& clock,
                           const DeliveryOptions& options, uint64_t seed)
    : DeliveryLoop(spool, destination, clock, options, seed, spool.scan()) {}

DeliveryLoop::DeliveryLoop(spool::Spool& spool, Destination& destination, const Clock& clock,
                           const DeliveryOptions& options, uint64_t seed, std::vector<spool::SpoolFile> scanned)
    : spool_(spool),
      destination_(destination),
      clock_(clock),
      options_(checked(options)),
      // Strictly longer than the cap, so that even a wait of exactly the cap never counts.
      stall_limit_(std::max<std::chrono::nanoseconds>(kStallLimit, options_.retry_cap + std::chrono::seconds(1))),
      next_interval_(clock.steady_now()),  // leftovers have waited long enough: the first pass sends them
      backoff_(options_.retry_base, options_.retry_cap, seed),
      events_(options_.events ? options_.events : std::make_shared<DeliveryEvents>()),
      failure_log_(clock),
      busy_(clock),
      sender_(spool, destination, *events_, clock, failure_log_, busy_,
              CallShape{options_.pack_record_bytes, options_.max_records_per_call}) {
  std::lock_guard lock(state_mutex_);
  for (spool::SpoolFile& file : scanned) {
    if (!ours(file)) continue;
    const WallTime created = file.created;
    ready_.insert(index_.try_emplace(std::move(file), WaitingRecord{0, created}).first);
  }
  publish_gauges_locked();
  if (!index_.empty()) {
    spdlog::info("delivery: {} records left in spool {} by an earlier run will be delivered to {}", index_.size(),
                 spool_.directory().string(), destination_.describe());
  }
}

bool DeliveryLoop::ours(const spool::SpoolFile& file) const {
  return options_.share.count <= 1 || stream_of(file, options_.share.count) == options_.share.index;
}

void DeliveryLoop::notify_published(const spool::SpoolFile& file, WallTime first_received) {
  if (!ours(file)) return;
  std::lock_guard lock(state_mutex_);
  const auto [entry, inserted] =
      index_.try_emplace(file, WaitingRecord{0, first_received == WallTime{} ? file.created : first_received});
  if (!inserted) return;
  ready_.insert(entry);
  publish_gauges_locked();
  // docs/behaviour.md §5.2: a full call's worth waiting is sent without waiting for the interval.
  if (ready_.size() >= options_.max_records_per_call || drainers_ > 0) {
    wake_requested_ = true;
    wake_.notify_all();
  }
}

void DeliveryLoop::run(const std::stop_token& stop) {
  const CallLimits limits{stop, SteadyTime::max()};
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
  const CallLimits limits{{}, deadline};
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
    // Nothing more goes out when no pass is due before the deadline (a pause after a failed call
    // outlasts it, or no call could end by it): waiting for it would only delay the exit.
    const SteadyTime now = clock_.steady_now();
    if (now >= deadline || next >= deadline) {
      --drainers_;
      spdlog::warn("delivery: {} records not delivered to {} by the shutdown deadline stay in spool {}", index_.size(),
                   destination_.describe(), spool_.directory().string());
      break;
    }
    wake_.wait_for(lock, wait_between(now, std::min(next, deadline)), [this] { return wake_requested_; });
    wake_requested_ = false;
  }
  return nothing_waits;
}

SteadyTime DeliveryLoop::send_due() { return send_pass(/*draining=*/false, CallLimits{}); }

SteadyTime DeliveryLoop::send_pass(bool draining, const CallLimits& limits) {
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
      // A backlog is sent call after call; stop and deadline are honoured between calls, and
      // no call starts that would likely be cut off by the deadline (call_durations.hpp).
      if (!sender_.may_start_call(limits)) {
        return limits.stop.stop_requested() ? next_pass_locked(now) : limits.deadline;
      }
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
  RecordPacker packer(options_.pack_record_bytes);
  auto next = ready_.begin();
  while (next != ready_.end()) {
    const uint64_t size = (*next)->first.size;
    // A record larger than the byte limit still goes alone, so it cannot block the queue.
    if (!call.empty() && bytes + size > options_.max_bytes_per_call) break;
    if (packer.starts_new_record(size) && packer.records().size() >= options_.max_records_per_call) break;
    packer.add(size);
    bytes += size;
    (*next)->second.in_flight = true;
    call.push_back(*next);
    next = ready_.erase(next);
  }
  return call;
}

DeliveryLoop::Pass DeliveryLoop::send_call(const std::vector<IndexEntry>& call, const CallLimits& limits) {
  // Map keys never change and these entries are in flight (ours alone), so they are read unlocked.
  std::vector<CallFile> files;
  files.reserve(call.size());
  for (IndexEntry entry : call) files.push_back({&entry->first, entry->second.failures, entry->second.first_received});
  sender_.read(files);
  const CallResult result = sender_.send(limits);
  const RetryState retry{backoff_, backoff_.draw_fraction(), consecutive_call_failures_};
  const Settlement plan = settle(sender_.records(), result, retry, destination_.describe(), kFirehoseMaxRecordBytes);
  sender_.report(files, plan);
  sender_.settle_files(files, plan);
  std::lock_guard lock(state_mutex_);
  settle_index_locked(call, plan);
  return plan.pause ? Pass::kPaused : Pass::kContinue;
}

void DeliveryLoop::settle_index_locked(const std::vector<IndexEntry>& call, const Settlement& plan) {
  const SteadyTime now = clock_.steady_now();
  for (size_t i = 0; i < call.size(); ++i) {
    const IndexEntry entry = call[i];
    switch (plan.records[i].step) {
      case Step::kForgetVanished:
        spdlog::warn("delivery: spool file {} disappeared before it was delivered", entry->first.name);
        forget_locked(entry);
        break;
      case Step::kForget:  // Spool::read logged why; never sent
      case Step::kRemove:
      case Step::kQuarantine:
        forget_locked(entry);
        break;
      case Step::kBackOff:
        ++entry->second.failures;
        back_off_locked(entry, now + plan.records[i].delay);
        break;
      case Step::kReady:
        entry->second.in_flight = false;
        ready_.insert(entry);
        break;
    }
  }
  consecutive_call_failures_ = plan.consecutive_call_failures;
  if (plan.rejected) {
    const Settlement::Rejections& rejected = *plan.rejected;
    failure_log_.log(spdlog::level::warn, "rejected " + rejected.first_code,
                     "delivery: {} rejected {} of {} records (first: {}: {}); they stay in the spool and are retried",
                     destination_.describe(), rejected.count, rejected.of, rejected.first_code, rejected.first_message);
  }
  if (plan.pause) {
    const Settlement::Pause& pause = *plan.pause;
    paused_until_ = now + pause.duration;
    if (!pause.fatal) {
      failure_log_.log(spdlog::level::warn, "call failed",
                       "delivery: a call of {} records failed, retrying in {:.3f} s: {}", pause.records,
                       seconds(pause.duration), pause.error);
    } else {
      spdlog::error(
          "delivery: {}; this will not succeed until the cause is fixed. {} records stay in spool {}; "
          "next attempt in {:.0f} s",
          pause.error, index_.size(), spool_.directory().string(), seconds(pause.duration));
    }
  }
  publish_gauges_locked();
  events_->call_settled(SettledCall{plan.delivered, plan.failed});
  // Whoever waits in drain() re-checks whether anything is left.
  if (drainers_ > 0) {
    wake_requested_ = true;
    wake_.notify_all();
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
  waiting_.store(index_.size(), std::memory_order_relaxed);
  events_->waiting(index_.size());
  const int64_t oldest =
      index_.empty()
          ? 0
          : std::chrono::duration_cast<std::chrono::nanoseconds>(index_.begin()->first.created.time_since_epoch())
                .count();
  oldest_waiting_unix_ns_.store(oldest, std::memory_order_relaxed);
}

bool DeliveryLoop::stalled() const {
  if (waiting_.load(std::memory_order_relaxed) == 0) return false;
  return busy_.busy_longer_than(stall_limit_);
}

std::chrono::nanoseconds DeliveryLoop::oldest_waiting_age() const {
  const int64_t oldest = oldest_waiting_unix_ns_.load(std::memory_order_relaxed);
  if (oldest == 0) return std::chrono::nanoseconds::zero();
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count();
  return std::chrono::nanoseconds{std::max<int64_t>(0, now - oldest)};
}

}  // namespace kinesyslog::deliver
