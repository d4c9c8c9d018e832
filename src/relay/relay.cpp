#include "relay/relay.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include "batch/closed_batch_queue.hpp"
#include "batch/record_encoder.hpp"
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
        delivery(spool, destination, clock, delivery_options(), parse::random_seed_from_os()) {
    auto sockets = net::open_listeners(config.address, config.ipv6_address, config.listeners, config.io_threads);
    const batch::BatchLimits limits{config.flush_size, config.flush_age,
                                    config.open_batch_bytes_total / std::max<size_t>(1, config.io_threads)};
    listener_gauges = std::make_unique<net::ListenerGauges[]>(config.listeners.size());
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
      io_threads.push_back(
          std::make_unique<net::IoThread>(std::move(listeners), *sinks.back(), clock, counters, std::move(io_config)));
    }
  }

  // SPEC §3: compressible ids (process-wide random prefix + counter) unless --random-ids.
  parse::EventIdGenerator make_id_generator() const {
    return config.random_ids ? parse::EventIdGenerator::random(parse::random_seed_from_os())
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
      counters.count_drop(metrics::DropReason::kQueueFull, batch.event_count());
      spdlog::error("a batch of {} events from {} arrived after shutdown and was dropped", batch.event_count(),
                    batch.key.source.to_string());
    }
  }

  void encode_batches() {
    const std::optional<std::string> owner = config.owner->wait();
    if (!owner) {
      // Stopped before STS ever answered: a record without its account would be wrong.
      drop_waiting_batches();
      return;
    }
    if (*owner != kLocalOwner) std::call_once(account_remembered, [&] { remember_account(config.spool_dir, *owner); });
    batch::RecordEncoder encoder(config.compression_level, {*owner, config.group_prefix});
    while (auto closed = queue.pop()) {
      const auto& encoded = encoder.encode(*closed);
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

  void drop_waiting_batches() {
    while (auto closed = queue.pop()) {
      counters.count_drop(metrics::DropReason::kSpoolFailed, closed->event_count());
      spdlog::error("a batch of {} events from {} was dropped at shutdown: the AWS account id (STS "
                    "GetCallerIdentity) never became known",
                    closed->event_count(), closed->key.source.to_string());
    }
  }

  void publish(std::string_view record, size_t events, WallTime first_received) {
    // The spool is the commit point: keep trying rather than lose a record (disk full
    // clears when delivery frees space or an operator acts); the queue backs up meanwhile.
    for (int attempt = 0;; ++attempt) {
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
        error_log.log(spdlog::level::err, "spool write", "cannot write a record of {} events to the spool: {}; retrying",
                      events, error.what());
        if (stopping_encoders.load() && attempt >= 3) {
          counters.count_drop(metrics::DropReason::kSpoolFailed, events);
          spdlog::critical("gave up on a record of {} events at shutdown: the spool is not writable", events);
          return;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
  }

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
  std::atomic<bool> stopping_encoders{false};
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
  for (size_t i = 0; i < parts.config.encoder_threads; ++i) parts.encoders.emplace_back([&parts] { parts.encode_batches(); });
  parts.delivery_thread = std::jthread([&parts](std::stop_token stop) { parts.delivery.run(stop); });
  for (auto& thread : parts.io_threads) thread->start();
  // One listener per configured port, however many threads share it (the original's gauge).
  parts.counters.listeners.store(static_cast<int64_t>(parts.config.listeners.size()));
}

void Relay::stop(SteadyTime deadline) {
  auto& parts = *parts_;
  for (auto& thread : parts.io_threads) thread->request_stop();
  for (auto& thread : parts.io_threads) thread->join();
  parts.counters.listeners.store(0);
  parts.stopping_encoders = true;
  parts.queue.close();
  // Encoders still waiting for the account get until the deadline, then take the account
  // last learned (kept beside the spool) or, on a first start without AWS, give up.
  if (!parts.config.owner->wait_until(deadline)) {
    if (auto cached = read_cached_account(parts.config.spool_dir)) {
      spdlog::warn("STS never answered since start: records written at shutdown carry the account last known, {}",
                   *cached);
      parts.config.owner->set(*cached);
    } else {
      parts.config.owner->cancel();
    }
  }
  for (auto& encoder : parts.encoders) encoder.join();
  parts.encoders.clear();
  parts.delivery_thread.request_stop();
  if (parts.delivery_thread.joinable()) parts.delivery_thread.join();
  parts.delivery.drain(deadline);
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
  return readings;
}

bool Relay::listening() const {
  const auto& parts = *parts_;
  return parts.counters.listeners.load(std::memory_order_relaxed) > 0 &&
         parts.counters.io_threads_running.load(std::memory_order_relaxed) ==
             static_cast<int64_t>(parts.io_threads.size());
}

bool Relay::healthy() const {
  const auto& parts = *parts_;
  const bool spool_takes_records = !parts.counters.spool_failing.load(std::memory_order_relaxed) &&
                                   !parts.spool.full() && ::access(parts.spool.directory().c_str(), W_OK | X_OK) == 0;
  return listening() && spool_takes_records;
}

}  // namespace kinesyslog::relay
