#include "encode/encoder_pool.hpp"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "core/record.hpp"
#include "encode/account_cache.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::encode {
namespace {

// The positions of `count` events of `batch` from `first` on (none when it was not journaled).
JournalCoverage coverage(const ClosedBatch& batch, size_t first, size_t count) {
  if (batch.journal_seqs.empty()) return JournalCoverage{batch.journal, {}, count};
  return JournalCoverage{batch.journal, std::span<const JournalSeq>(batch.journal_seqs).subspan(first, count), count};
}

JournalCoverage whole_batch(const ClosedBatch& batch) { return coverage(batch, 0, batch.event_count()); }

// --debug: one line per batch, what it held and what it became.
void log_batch(const ClosedBatch& closed, const EncodedRecords& encoded) {
  size_t compressed = 0;
  for (const auto record : encoded.records) compressed += record.size();
  spdlog::debug("batch from {} to {} port {}: {} events, {} raw bytes, {} JSON bytes -> {} records, {} gzip bytes",
                closed.key.source.to_string(), protocol_name(closed.key.protocol), closed.key.port,
                closed.event_count(), closed.raw_bytes, closed.events_json.size(), encoded.records.size(), compressed);
}

}  // namespace

EncoderPool::EncoderPool(EncoderPoolConfig config, RecordPublisher& publisher, EncoderReporter& reporter,
                         const Clock& clock)
    : config_(std::move(config)),
      publisher_(publisher),
      reporter_(reporter),
      clock_(clock),
      queue_(config_.queue_bytes, config_.queue_batches) {}

EncoderPool::~EncoderPool() {
  if (threads_.empty()) return;
  queue_.close();
  config_.owner->cancel();
  for (auto& thread : threads_) thread.join();
}

void EncoderPool::submit(ClosedBatch&& batch) {
  {
    std::lock_guard lock(idle_mutex_);
    ++batches_in_stage_;
  }
  if (!queue_.push(std::move(batch))) {
    // Only at shutdown: the queue closed, or stayed full (nothing could be spooled) until the deadline.
    // A refused batch is left untouched by push(), so it is still read below.
    // NOLINTBEGIN(bugprone-use-after-move)
    count_shutdown_loss(Loss::kQueueFull, batch.event_count());
    publisher_.give_up(Loss::kQueueFull, whole_batch(batch));
    error_log_.log(spdlog::level::err, "queue full at shutdown",
                   "a batch of {} events from {} found no room in the encoder queue by the shutdown deadline and "
                   "was dropped",
                   batch.event_count(), batch.key.source.to_string());
    // NOLINTEND(bugprone-use-after-move)
    batch_done();
  }
}

void EncoderPool::wait_until_idle() {
  {
    std::unique_lock lock(idle_mutex_);
    idle_.wait(lock, [this] { return batches_in_stage_ == 0; });
  }
  publisher_.drain(SteadyTime::max());
}

void EncoderPool::batch_done() {
  std::lock_guard lock(idle_mutex_);
  if (--batches_in_stage_ == 0) idle_.notify_all();
}

void EncoderPool::start() {
  if (!config_.owner->confirmed_account()) {
    if (auto cached = read_cached_account(config_.spool_dir)) {
      spdlog::warn(
          "STS has not confirmed the AWS account yet: records carry {}, the account cached in {} by an "
          "earlier run, until it does",
          *cached, config_.spool_dir.string());
      config_.owner->assume(*cached);
    }
  }
  for (size_t i = 0; i < config_.threads; ++i) threads_.emplace_back([this] { encode_batches(); });
}

void EncoderPool::begin_stop(SteadyTime deadline) {
  {
    std::lock_guard lock(retry_mutex_);  // an encoder between its check and its wait sees the deadline
    stop_deadline_ = deadline;
    stop_requested_ = true;
  }
  retry_wake_.notify_all();
  queue_.limit_push_wait(deadline);
  publisher_.begin_stop(deadline);
}

void EncoderPool::finish(SteadyTime deadline) {
  queue_.close();
  // Without a cached account the encoders wait for STS until the deadline, then give up.
  if (!config_.owner->wait_until(deadline)) config_.owner->cancel();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  publisher_.drain(deadline);  // the records the encoders handed over, durable before the journals close
}

void EncoderPool::log_shutdown_losses() const {
  const uint64_t spool_failed = lost_spool_failed_.load();
  const uint64_t queue_full = lost_queue_full_.load();
  if (spool_failed + queue_full > 0) {
    spdlog::critical(
        "shutdown could not keep {} events: {} were counted as spool_failed (not written to the spool), "
        "{} as queue_full (no room in the encoder queue by the deadline)",
        spool_failed + queue_full, spool_failed, queue_full);
  }
}

void EncoderPool::encode_batches() {
  std::optional<RecordEncoder> encoder;
  std::string encoder_owner;
  while (auto closed = queue_.pop()) {
    encode_batch(*closed, encoder, encoder_owner);
    batch_done();
  }
}

void EncoderPool::encode_batch(ClosedBatch& closed, std::optional<RecordEncoder>& encoder, std::string& encoder_owner) {
  if (past_stop_deadline()) {
    // The exit is promised by the deadline, even when the disk is merely slow: what is still
    // queued then is counted, not written.
    count_shutdown_loss(Loss::kSpoolFailed, closed.event_count());
    publisher_.give_up(Loss::kSpoolFailed, whole_batch(closed));
    error_log_.log(spdlog::level::critical, "spool failed at shutdown",
                   "a batch of {} events from {} was still waiting for the spool at the shutdown deadline and "
                   "was dropped",
                   closed.event_count(), closed.key.source.to_string());
    return;
  }
  // Known, or assumed from the cache; otherwise wait for STS (cancelled at the shutdown deadline).
  const std::optional<std::string> owner = config_.owner->wait();
  if (!owner) {
    count_shutdown_loss(Loss::kSpoolFailed, closed.event_count());
    publisher_.give_up(Loss::kSpoolFailed, whole_batch(closed));
    error_log_.log(spdlog::level::err, "no account at shutdown",
                   "a batch of {} events from {} was dropped at shutdown: the AWS account id (STS "
                   "GetCallerIdentity) never became known and none was cached by an earlier run",
                   closed.event_count(), closed.key.source.to_string());
    return;
  }
  if (!encoder || encoder_owner != *owner) {
    encoder.emplace(config_.compression_level, RecordHeaderFields{*owner, config_.group_prefix});
    encoder_owner = *owner;
  }
  // Only what STS stated is kept for later starts (read with its flag, not the one just used).
  if (const auto confirmed = config_.owner->confirmed_account(); confirmed && *confirmed != kLocalOwner) {
    std::call_once(account_remembered_, [&] { remember_account(config_.spool_dir, *confirmed); });
  }
  const auto& encoded = encoder->encode(closed);
  if (encoded.dropped_events > 0) {
    reporter_.lost(Loss::kOversizeEvent, encoded.dropped_events);
    for (const size_t index : encoded.dropped_event_indices) {
      publisher_.give_up(Loss::kOversizeEvent, coverage(closed, index, 1));
    }
    error_log_.log(spdlog::level::err, "oversize",
                   "{} events from {} were too large for a Firehose record and were dropped", encoded.dropped_events,
                   closed.key.source.to_string());
  }
  if (spdlog::should_log(spdlog::level::debug)) log_batch(closed, encoded);
  for (size_t i = 0; i < encoded.records.size(); ++i) {
    publish(encoded.records[i], closed.key, closed.first_received,
            coverage(closed, encoded.record_first_events[i], encoded.record_events[i]), encoded.record_events[i]);
  }
}

void EncoderPool::publish(std::string_view record, const SourceKey& source, WallTime first_received,
                          const JournalCoverage& holds, size_t events) {
  // Disk full clears when delivery frees space or an operator acts; the queue backs up meanwhile.
  while (true) {
    try {
      publisher_.publish(record, source, first_received, holds);
      reporter_.spool_failing(false);
      return;
    } catch (const spool::SpoolFullError& error) {
      // The operator's cap protects the disk: refuse the new record, keep the old ones.
      reporter_.lost(Loss::kSpoolFull, events);
      publisher_.give_up(Loss::kSpoolFull, holds);
      error_log_.log(spdlog::level::err, "spool full", "dropped a record of {} events (--spool-max-bytes): {}", events,
                     error.what());
      return;
    } catch (const std::exception& error) {
      reporter_.spool_failing(true);
      if (past_stop_deadline()) {
        count_shutdown_loss(Loss::kSpoolFailed, events);
        publisher_.give_up(Loss::kSpoolFailed, holds);
        error_log_.log(spdlog::level::critical, "spool failed at shutdown",
                       "gave up on a record of {} events at the shutdown deadline: {}", events, error.what());
        return;
      }
      error_log_.log(spdlog::level::err, "spool write", "cannot write a record of {} events to the spool: {}; retrying",
                     events, error.what());
      wait_before_retry();
    }
  }
}

// The retry pause between spool attempts, cut short by the shutdown deadline.
void EncoderPool::wait_before_retry() {
  std::unique_lock lock(retry_mutex_);
  std::chrono::nanoseconds pause = config_.retry_pause;
  // begin_stop() notifies after storing the deadline; until then the wait is the whole pause.
  if (stop_requested_.load()) {
    pause = std::clamp<std::chrono::nanoseconds>(stop_deadline_.load() - clock_.steady_now(),
                                                 std::chrono::nanoseconds::zero(), pause);
  }
  retry_wake_.wait_for(lock, pause, [&] { return past_stop_deadline(); });
}

bool EncoderPool::past_stop_deadline() const {
  return stop_requested_.load() && clock_.steady_now() >= stop_deadline_.load();
}

// Shutdown only: events that could not be kept, reported and summed for the last log line.
void EncoderPool::count_shutdown_loss(Loss loss, size_t events) {
  reporter_.lost(loss, events);
  (loss == Loss::kQueueFull ? lost_queue_full_ : lost_spool_failed_).fetch_add(events);
}

}  // namespace kinesyslog::encode
