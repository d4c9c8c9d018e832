#include "relay/relay.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "batch/closed_batch_queue.hpp"
#include "batch/record_encoder.hpp"
#include "core/random_seed.hpp"
#include "core/rate_limited_log.hpp"
#include "deliver/delivery_loop.hpp"
#include "deliver/destination.hpp"
#include "parse/event_id.hpp"
#include "net/io_thread.hpp"
#include "relay/account_cache.hpp"
#include "relay/thread_ingest.hpp"
#include "spool/directory_lock.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::relay {

namespace {
constexpr size_t kQueueMaxBatches = 4096;
}

struct Relay::Parts {
  Parts(RelayConfig relay_config, deliver::Destination& delivery_destination, const Clock& relay_clock)
      : config(std::move(relay_config)),
        clock(relay_clock),
        destination(delivery_destination),
        queue(config.queue_bytes, kQueueMaxBatches),
        spool_lock(config.spool_dir),
        spool(config.spool_dir, clock, spool::SpoolOptions{.max_bytes = config.spool_max_bytes}),
        delivery(spool, destination, clock, delivery_options(), random_seed_from_os()) {
    auto sockets = net::open_listeners(config.address, config.ipv6_address, config.listeners, config.io_threads);
    const batch::BatchLimits limits{config.flush_size, config.flush_age,
                                    config.open_batch_bytes_total / std::max<size_t>(1, config.io_threads)};
    listener_gauges = std::make_unique<net::ListenerGauges[]>(config.listeners.size());
    const auto connection_limits =
        std::make_shared<net::ConnectionLimits>(config.max_connections, config.max_connections_per_source);
    for (auto& per_thread : sockets) {
      std::vector<net::BoundListener> listeners;
      for (size_t i = 0; i < per_thread.size(); ++i) {
        listeners.push_back({config.listeners[i], std::move(per_thread[i]), &listener_gauges[i]});
      }
      sinks.push_back(std::make_unique<ThreadIngest>(
          limits, [this](ClosedBatch&& batch) { submit(std::move(batch)); }, make_id_generator(), clock,
          config.max_tracked_sources_per_thread, config.max_message_size, counters));
      net::IoThreadConfig io_config;
      io_config.max_message_size = config.max_message_size;
      io_config.tls = config.tls;
      // One reassembly budget for the process, shared out among the threads.
      io_config.gelf_chunks.memory_limit = config.gelf_reassembly_bytes / std::max<size_t>(1, config.io_threads);
      // Likewise the partial-message budget; a thread's share always fits one whole message.
      io_config.max_partial_bytes = std::max<size_t>(
          config.max_partial_bytes / std::max<size_t>(1, config.io_threads), config.max_message_size);
      io_config.connection_limits = connection_limits;
      io_threads.push_back(
          std::make_unique<net::IoThread>(std::move(listeners), *sinks.back(), clock, counters, std::move(io_config)));
    }
  }

  // SPEC §3: compressible ids (process-wide random prefix + counter) unless --random-ids.
  parse::EventIdGenerator make_id_generator() const {
    return config.random_ids ? parse::EventIdGenerator::random(random_seed_from_os())
                             : parse::EventIdGenerator::counting(parse::EventIdSequence::of_process());
  }

  deliver::DeliveryOptions delivery_options() const {
    deliver::DeliveryOptions options;
    options.interval = config.delivery_interval;
    options.hooks = config.delivery_hooks;
    return options;
  }

  void submit(ClosedBatch&& batch) {
    if (!queue.push(std::move(batch))) {
      // Only at shutdown: the queue closed, or stayed full (nothing could be spooled) until the deadline.
      count_shutdown_loss(metrics::DropReason::kQueueFull, batch.event_count());
      error_log.log(spdlog::level::err, "queue full at shutdown",
                    "a batch of {} events from {} found no room in the encoder queue by the shutdown deadline and "
                    "was dropped", batch.event_count(), batch.key.source.to_string());
    }
  }

  void encode_batches() {
    std::optional<batch::RecordEncoder> encoder;
    std::string encoder_owner;
    while (auto closed = queue.pop()) {
      if (past_stop_deadline()) {
        // The exit is promised by the deadline, even when the disk is merely slow: what is still
        // queued then is counted, not written.
        count_shutdown_loss(metrics::DropReason::kSpoolFailed, closed->event_count());
        error_log.log(spdlog::level::critical, "spool failed at shutdown",
                      "a batch of {} events from {} was still waiting for the spool at the shutdown deadline and "
                      "was dropped", closed->event_count(), closed->key.source.to_string());
        continue;
      }
      // Known, or assumed from the cache; otherwise wait for STS (cancelled at the shutdown deadline).
      const std::optional<std::string> owner = config.owner->wait();
      if (!owner) {
        count_shutdown_loss(metrics::DropReason::kSpoolFailed, closed->event_count());
        error_log.log(spdlog::level::err, "no account at shutdown",
                      "a batch of {} events from {} was dropped at shutdown: the AWS account id (STS "
                      "GetCallerIdentity) never became known and none was cached by an earlier run",
                      closed->event_count(), closed->key.source.to_string());
        continue;
      }
      if (!encoder || encoder_owner != *owner) {
        encoder.emplace(config.compression_level, batch::RecordHeaderFields{*owner, config.group_prefix});
        encoder_owner = *owner;
      }
      // Only what STS stated is kept for later starts (read with its flag, not the one just used).
      if (const auto confirmed = config.owner->confirmed_account(); confirmed && *confirmed != kLocalOwner) {
        std::call_once(account_remembered, [&] { remember_account(config.spool_dir, *confirmed); });
      }
      const auto& encoded = encoder->encode(*closed);
      if (encoded.dropped_events > 0) {
        counters.count_drop(metrics::DropReason::kOversizeEvent, encoded.dropped_events);
        error_log.log(spdlog::level::err, "oversize", "{} events from {} were too large for a Firehose record and were dropped",
                      encoded.dropped_events, closed->key.source.to_string());
      }
      if (spdlog::should_log(spdlog::level::debug)) log_batch(*closed, encoded);
      for (size_t i = 0; i < encoded.records.size(); ++i) {
        publish(encoded.records[i], encoded.record_events[i], closed->first_received);
      }
    }
  }

  // --debug: one line per batch, what it held and what it became.
  static void log_batch(const ClosedBatch& closed, const batch::EncodedRecords& encoded) {
    size_t compressed = 0;
    for (const auto record : encoded.records) compressed += record.size();
    spdlog::debug("batch from {} to {} port {}: {} events, {} raw bytes, {} JSON bytes -> {} records, {} gzip bytes",
                  closed.key.source.to_string(), protocol_name(closed.key.protocol), closed.key.port,
                  closed.event_count(), closed.raw_bytes, closed.events_json.size(), encoded.records.size(), compressed);
  }

  // Shutdown only: events that could not be kept, counted under `reason` and summed for the last log line.
  void count_shutdown_loss(metrics::DropReason reason, size_t events) {
    counters.count_drop(reason, events);
    (reason == metrics::DropReason::kQueueFull ? lost_queue_full : lost_spool_failed).fetch_add(events);
  }

  void publish(std::string_view record, size_t events, WallTime first_received) {
    // The spool is the commit point: keep trying rather than lose a record (disk full
    // clears when delivery frees space or an operator acts); the queue backs up meanwhile.
    // At shutdown the trying ends at the deadline: the loss is then counted, never silent.
    while (true) {
      try {
        delivery.notify_published(spool.publish(record), first_received);
        counters.spool_failing.store(false, std::memory_order_relaxed);
        return;
      } catch (const spool::SpoolFullError& error) {
        // The operator's cap protects the disk: refuse the new record, keep the old ones.
        counters.count_drop(metrics::DropReason::kSpoolFull, events);
        error_log.log(spdlog::level::err, "spool full", "dropped a record of {} events (--spool-max-bytes): {}", events,
                      error.what());
        return;
      } catch (const std::exception& error) {
        counters.spool_failing.store(true, std::memory_order_relaxed);
        if (past_stop_deadline()) {
          count_shutdown_loss(metrics::DropReason::kSpoolFailed, events);
          error_log.log(spdlog::level::critical, "spool failed at shutdown",
                        "gave up on a record of {} events at the shutdown deadline: {}", events, error.what());
          return;
        }
        error_log.log(spdlog::level::err, "spool write", "cannot write a record of {} events to the spool: {}; retrying",
                      events, error.what());
        wait_before_retry();
      }
    }
  }

  // One second between spool attempts, cut short by the shutdown deadline.
  void wait_before_retry() {
    std::unique_lock lock(retry_mutex);
    std::chrono::nanoseconds pause = std::chrono::seconds(1);
    // stop() notifies after storing the deadline; until then the wait is the whole second.
    if (stop_requested.load()) pause = std::clamp<std::chrono::nanoseconds>(
        stop_deadline.load() - clock.steady_now(), std::chrono::nanoseconds::zero(), pause);
    retry_wake.wait_for(lock, pause, [&] { return past_stop_deadline(); });
  }

  bool past_stop_deadline() const { return stop_requested.load() && clock.steady_now() >= stop_deadline.load(); }

  RelayConfig config;
  const Clock& clock;
  deliver::Destination& destination;
  metrics::RelayCounters counters;
  batch::ClosedBatchQueue queue;
  spool::DirectoryLock spool_lock;  // before the spool: no other relay's files are scanned or touched
  spool::Spool spool;
  deliver::DeliveryLoop delivery;
  std::unique_ptr<net::ListenerGauges[]> listener_gauges;  // one per configured listener
  std::vector<std::unique_ptr<ThreadIngest>> sinks;
  std::vector<std::unique_ptr<net::IoThread>> io_threads;
  std::vector<std::thread> encoders;
  std::jthread delivery_thread;
  // Shutdown: set by stop() before anything else, read by encoders and I/O threads.
  std::atomic<bool> stop_requested{false};
  std::atomic<SteadyTime> stop_deadline{SteadyTime::max()};
  std::mutex retry_mutex;
  std::condition_variable retry_wake;
  std::atomic<uint64_t> lost_queue_full{0};
  std::atomic<uint64_t> lost_spool_failed{0};
  std::once_flag account_remembered;
  RateLimitedLog error_log{clock};  // encoder errors repeat per batch while their cause lasts
};

Relay::Relay(RelayConfig config, deliver::Destination& destination, const Clock& clock)
    : parts_(std::make_unique<Parts>(std::move(config), destination, clock)) {}

Relay::~Relay() {
  if (!parts_->encoders.empty()) stop(parts_->clock.steady_now() + std::chrono::seconds(5));
}

void Relay::start() {
  auto& parts = *parts_;
  // AWS has not confirmed the account yet: records carry the one an earlier run learned, so
  // batches reach the disk at once instead of waiting in memory for STS.
  if (!parts.config.owner->confirmed_account()) {
    if (auto cached = read_cached_account(parts.config.spool_dir)) {
      spdlog::warn("STS has not confirmed the AWS account yet: records carry {}, the account cached in {} by an "
                   "earlier run, until it does",
                   *cached, parts.config.spool_dir.string());
      parts.config.owner->assume(*cached);
    }
  }
  for (size_t i = 0; i < parts.config.encoder_threads; ++i) parts.encoders.emplace_back([&parts] { parts.encode_batches(); });
  parts.delivery_thread = std::jthread([&parts](std::stop_token stop) { parts.delivery.run(stop); });
  for (auto& thread : parts.io_threads) thread->start();
  // One listener per configured port, however many threads share it (the original's gauge).
  parts.counters.listeners.store(static_cast<int64_t>(parts.config.listeners.size()));
}

void Relay::stop(SteadyTime deadline) {
  auto& parts = *parts_;
  // Every wait below ends by the deadline: a full queue, a dead disk or a silent STS can
  // delay the exit, never prevent it.
  {
    std::lock_guard lock(parts.retry_mutex);  // an encoder between its check and its wait sees the deadline
    parts.stop_deadline = deadline;
    parts.stop_requested = true;
  }
  parts.retry_wake.notify_all();
  parts.queue.limit_push_wait(deadline);
  for (auto& thread : parts.io_threads) thread->request_stop();
  for (auto& thread : parts.io_threads) thread->join();
  parts.counters.listeners.store(0);
  parts.queue.close();
  // Without a cached account the encoders wait for STS until the deadline, then give up.
  if (!parts.config.owner->wait_until(deadline)) parts.config.owner->cancel();
  for (auto& encoder : parts.encoders) encoder.join();
  parts.encoders.clear();
  parts.delivery_thread.request_stop();
  if (parts.delivery_thread.joinable()) parts.delivery_thread.join();
  parts.delivery.drain(deadline);
  const uint64_t spool_failed = parts.lost_spool_failed.load();
  const uint64_t queue_full = parts.lost_queue_full.load();
  if (spool_failed + queue_full > 0) {
    spdlog::critical("shutdown could not keep {} events: {} were counted as spool_failed (not written to the spool), "
                     "{} as queue_full (no room in the encoder queue by the deadline)",
                     spool_failed + queue_full, spool_failed, queue_full);
  }
}

metrics::RelayReadings Relay::readings() const {
  const auto& parts = *parts_;
  metrics::RelayReadings readings;
  readings.counters = &parts.counters;
  std::vector<metrics::SourceTraffic> series;
  for (const auto& sink : parts.sinks) sink->traffic().append_to(series);
  readings.traffic = metrics::merge_source_traffic(std::move(series));
  for (size_t i = 0; i < parts.config.listeners.size(); ++i) {
    if (!net::is_stream(parts.config.listeners[i].transport)) continue;
    readings.open_connections[parts.config.listeners[i].port] +=
        parts.listener_gauges[i].open_connections.load(std::memory_order_relaxed);
  }
  readings.spool_records = parts.spool.record_count();
  readings.spool_bytes = parts.spool.record_bytes();
  readings.spool_oldest_age = parts.delivery.oldest_waiting_age();
  readings.quarantined_records = parts.spool.quarantined_count();
  return readings;
}

bool Relay::listening() const {
  const auto& parts = *parts_;
  return parts.counters.listeners.load(std::memory_order_relaxed) > 0 &&
         parts.counters.io_threads_running.load(std::memory_order_relaxed) ==
             static_cast<int64_t>(parts.io_threads.size());
}

bool Relay::delivery_stuck() const { return parts_->delivery.stalled(); }

bool Relay::healthy() const {
  const auto& parts = *parts_;
  const bool spool_takes_records = !parts.counters.spool_failing.load(std::memory_order_relaxed) &&
                                   !parts.spool.full() && ::access(parts.spool.directory().c_str(), W_OK | X_OK) == 0;
  // A delivery thread stuck for minutes while records wait is unhealthy too.
  return listening() && spool_takes_records && !delivery_stuck();
}

}  // namespace kinesyslog::relay
