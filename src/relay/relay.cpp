#include "relay/relay.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include <unistd.h>

#include "core/random_seed.hpp"
#include "deliver/delivery_loop.hpp"
#include "deliver/destination.hpp"
#include "encode/encoder_pool.hpp"
#include "net/io_thread.hpp"
#include "parse/event_id.hpp"
#include "relay/io_event_reporter.hpp"
#include "relay/journal_replay.hpp"
#include "relay/journal_set.hpp"
#include "relay/spool_publisher.hpp"
#include "relay/stream_loops.hpp"
#include "relay/thread_ingest.hpp"
#include "spool/directory_lock.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::relay {

namespace {

metrics::DropReason drop_reason(encode::Loss loss) {
  switch (loss) {
    case encode::Loss::kQueueFull:
      return metrics::DropReason::kQueueFull;
    case encode::Loss::kOversizeEvent:
      return metrics::DropReason::kOversizeEvent;
    case encode::Loss::kSpoolFull:
      return metrics::DropReason::kSpoolFull;
    case encode::Loss::kSpoolFailed:
      return metrics::DropReason::kSpoolFailed;
  }
  return metrics::DropReason::kSpoolFailed;
}

// The encoder stage's losses and spool state, as the metrics count them.
class EncoderCounts final : public encode::EncoderReporter {
 public:
  explicit EncoderCounts(metrics::RelayCounters& counters) : counters_(counters) {}
  void lost(encode::Loss loss, size_t events) override { counters_.count_drop(drop_reason(loss), events); }
  void spool_failing(bool failing) override { counters_.spool_failing.store(failing, std::memory_order_relaxed); }
  void spool_commits_failing(bool failing) override {
    counters_.spool_commits_failing.store(failing, std::memory_order_relaxed);
  }

 private:
  metrics::RelayCounters& counters_;
};

// This run's journals are named after its start, in nanoseconds (unique per spool: one relay at a time).
uint64_t journal_run(const Clock& clock) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock.now().time_since_epoch()).count());
}

}  // namespace

struct Relay::Pipeline {
  Pipeline(RelayConfig relay_config, std::vector<deliver::Destination*> delivery_destinations, const Clock& relay_clock)
      : config(std::move(relay_config)),
        clock(relay_clock),
        destinations(std::move(delivery_destinations)),
        spool_lock(config.spool_dir),
        spool(config.spool_dir, clock, spool::SpoolOptions{.max_bytes = config.spool_max_bytes}),
        run(journal_run(clock)),
        journal_counts(counters.journal, clock),
        // Before the delivery loop's scan: it would delete the temporaries recovery rolls forward.
        replay(journaling() ? std::make_optional<JournalReplay>(journal_directory(config.spool_dir), run, spool,
                                                                counters.journal)
                            : std::nullopt),
        delivery(spool, destinations, clock, delivery_options(), config.delivery_events),
        encoder_counts(counters),
        journals(journaling() || serves_relp() ? std::make_unique<JournalSet>(config.spool_dir, run, config.io_threads,
                                                                              config.journal_sync, journal_counts)
                                               : nullptr),
        spool_publisher(spool, delivery, journals.get(), clock, &encoder_counts),
        encoders(encoder_pool_config(), spool_publisher, encoder_counts, clock) {
    auto sockets =
        net::open_listeners(config.address.ip, config.address.ipv6_literal, config.listeners, config.io_threads);
    const batch::BatchLimits limits = batch_limits();
    listener_gauges = std::make_unique<net::ListenerGauges[]>(config.listeners.size());
    for (const auto& spec : config.listeners) {
      if (spec.framing == net::StreamFraming::kRelp) counters.relp_ports.try_emplace(spec.port);
    }
    const auto connection_limits =
        std::make_shared<net::ConnectionLimits>(config.max_connections, config.max_connections_per_source);
    for (auto& per_thread : sockets) {
      std::vector<net::BoundListener> listeners;
      for (size_t i = 0; i < per_thread.size(); ++i) {
        listeners.push_back({config.listeners[i], std::move(per_thread[i]), &listener_gauges[i]});
      }
      ingests.push_back(std::make_unique<ThreadIngest>(
          limits, [this](ClosedBatch&& batch) { encoders.submit(std::move(batch)); }, make_id_generator(), clock,
          config.max_tracked_sources_per_thread, config.max_message_size, counters,
          journals ? &journals->thread_journal(ingests.size()) : nullptr));
      net::IoThreadConfig io_config;
      io_config.max_message_size = config.max_message_size;
      io_config.tls = config.tls;
      // One reassembly budget for the process, shared out among the threads.
      io_config.gelf_chunks.memory_limit = config.gelf_reassembly_bytes / std::max<size_t>(1, config.io_threads);
      // Likewise the partial-message budget; a thread's share always fits one whole message.
      io_config.max_partial_bytes =
          std::max<size_t>(config.max_partial_bytes / std::max<size_t>(1, config.io_threads), config.max_message_size);
      io_config.connection_limits = connection_limits;
      io_events.push_back(std::make_unique<IoEventReporter>(counters, clock));
      io_threads.push_back(std::make_unique<net::IoThread>(std::move(listeners), *ingests.back(), clock,
                                                           *io_events.back(), std::move(io_config)));
    }
  }

  bool journaling() const { return config.journal_sync.count() > 0; }
  // RELP acknowledges only durable events: with the journal off, the journals stay in memory
  // and tell when each event's record is spooled.
  bool serves_relp() const {
    return std::any_of(config.listeners.begin(), config.listeners.end(),
                       [](const net::ListenerSpec& spec) { return spec.framing == net::StreamFraming::kRelp; });
  }

  batch::BatchLimits batch_limits() const {
    return batch::BatchLimits{config.flush_size, config.flush_age,
                              config.open_batch_bytes_total / std::max<size_t>(1, config.io_threads)};
  }

  // docs/behaviour.md §3.5: compressible ids (process-wide random prefix + counter) unless --random-ids.
  parse::EventIdGenerator make_id_generator() const {
    return config.random_ids ? parse::EventIdGenerator::random(random_seed_from_os())
                             : parse::EventIdGenerator::counting(parse::EventIdSequence::of_process());
  }

  deliver::DeliveryOptions delivery_options() const {
    deliver::DeliveryOptions options;
    options.interval = config.delivery_interval;
    if (config.pack_records) options.pack_record_bytes = kFirehoseMaxRecordBytes;
    return options;
  }

  encode::EncoderPoolConfig encoder_pool_config() const {
    return encode::EncoderPoolConfig{.threads = config.encoder_threads,
                                     .compression_level = config.compression_level,
                                     .group_prefix = config.group_prefix,
                                     .queue_bytes = config.queue_bytes,
                                     .owner = config.owner,
                                     .spool_dir = config.spool_dir};
  }

  RelayConfig config;
  const Clock& clock;
  std::vector<deliver::Destination*> destinations;  // one per stream
  metrics::RelayCounters counters;
  spool::DirectoryLock spool_lock;  // before the spool: no other relay's files are scanned or touched
  spool::Spool spool;
  uint64_t run;  // names this run's journals
  JournalCounts journal_counts;
  std::optional<JournalReplay> replay;  // earlier runs' journals, until start() replayed them
  StreamLoops delivery;                 // one loop and thread per stream
  EncoderCounts encoder_counts;
  std::unique_ptr<JournalSet> journals;  // null: no journal (--journal-sync-ms 0)
  SpoolPublisher spool_publisher;
  encode::EncoderPool encoders;
  std::unique_ptr<net::ListenerGauges[]> listener_gauges;   // one per configured listener
  std::vector<std::unique_ptr<ThreadIngest>> ingests;       // one per I/O thread: parse, id, batch
  std::vector<std::unique_ptr<IoEventReporter>> io_events;  // one per I/O thread: counts and logs net's events
  std::vector<std::unique_ptr<net::IoThread>> io_threads;
};

Relay::Relay(RelayConfig config, std::vector<deliver::Destination*> destinations, const Clock& clock)
    : pipeline_(std::make_unique<Pipeline>(std::move(config), std::move(destinations), clock)) {}

Relay::~Relay() {
  if (pipeline_->encoders.running()) stop(pipeline_->clock.steady_now() + std::chrono::seconds(5));
}

void Relay::start() {
  auto& pipeline = *pipeline_;
  pipeline.encoders.start();
  if (pipeline.replay) {
    // Before the I/O threads take new events: what earlier runs journaled goes first.
    pipeline.replay->replay(pipeline.batch_limits(), pipeline.encoders, pipeline.clock);
    pipeline.replay.reset();
  }
  pipeline.delivery.start();
  for (auto& thread : pipeline.io_threads) thread->start();
  // One listener per configured port, however many threads share it (the original's gauge).
  pipeline.counters.listeners.store(static_cast<int64_t>(pipeline.config.listeners.size()));
}

void Relay::stop(SteadyTime deadline) {
  auto& pipeline = *pipeline_;
  // Every wait below ends by the deadline: a full queue, a dead disk or a silent STS can
  // delay the exit, never prevent it.
  pipeline.encoders.begin_stop(deadline);
  for (auto& thread : pipeline.io_threads) thread->request_stop();
  for (auto& thread : pipeline.io_threads) thread->join();
  pipeline.counters.listeners.store(0);
  pipeline.encoders.finish(deadline);
  if (pipeline.journals) pipeline.journals->close();  // every settled segment goes; the rest wait for the next start
  pipeline.delivery.stop_threads();
  pipeline.delivery.drain(deadline);  // every stream at once, by the same deadline
  pipeline.encoders.log_shutdown_losses();
}

metrics::RelayReadings Relay::readings() const {
  const auto& pipeline = *pipeline_;
  metrics::RelayReadings readings;
  readings.counters = &pipeline.counters;
  std::vector<metrics::SourceTraffic> series;
  for (const auto& ingest : pipeline.ingests) ingest->traffic().append_to(series);
  readings.traffic = metrics::merge_source_traffic(std::move(series));
  for (size_t i = 0; i < pipeline.config.listeners.size(); ++i) {
    if (!net::is_stream(pipeline.config.listeners[i].transport)) continue;
    readings.open_connections[pipeline.config.listeners[i].port] +=
        pipeline.listener_gauges[i].open_connections.load(std::memory_order_relaxed);
  }
  readings.spool_records = pipeline.spool.record_count();
  readings.spool_bytes = pipeline.spool.record_bytes();
  readings.spool_oldest_age = pipeline.delivery.oldest_waiting_age();
  readings.quarantined_records = pipeline.spool.quarantined_count();
  readings.spool_max_bytes = pipeline.config.spool_max_bytes;
  readings.healthy = healthy();
  return readings;
}

bool Relay::listening() const {
  const auto& pipeline = *pipeline_;
  return pipeline.counters.listeners.load(std::memory_order_relaxed) > 0 &&
         pipeline.counters.io_threads_running.load(std::memory_order_relaxed) ==
             static_cast<int64_t>(pipeline.io_threads.size());
}

bool Relay::delivery_stuck() const { return pipeline_->delivery.stalled(); }

bool Relay::healthy() const {
  const auto& pipeline = *pipeline_;
  const bool spool_takes_records = !pipeline.counters.spool_failing.load(std::memory_order_relaxed) &&
                                   !pipeline.counters.spool_commits_failing.load(std::memory_order_relaxed) &&
                                   !pipeline.spool.full() &&
                                   ::access(pipeline.spool.directory().c_str(), W_OK | X_OK) == 0;
  // A delivery thread stuck for minutes while records wait is unhealthy too.
  return listening() && spool_takes_records && !delivery_stuck();
}

}  // namespace kinesyslog::relay
