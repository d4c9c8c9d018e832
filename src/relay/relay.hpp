#pragma once
// The composition root of the pipeline (docs/architecture.md#threads): I/O threads → per-thread
// ingest (parse, id, batch table) → bounded queue → encoder threads → spool → the one
// delivery thread. main() only turns the checked configuration into a RelayConfig and handles signals.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/account_id_promise.hpp"
#include "core/bind_address.hpp"
#include "core/clock.hpp"
#include "core/record.hpp"
#include "deliver/delivery_loop.hpp"
#include "metrics/relay_counters.hpp"
#include "metrics/relay_metrics.hpp"
#include "net/listener.hpp"
#include "net/tls_context_holder.hpp"

namespace kinesyslog::deliver {
class Destination;
}

namespace kinesyslog::relay {

struct RelayConfig {
  BindAddress address;
  std::vector<net::ListenerSpec> listeners;
  size_t io_threads = 2;
  size_t encoder_threads = 2;
  size_t max_message_size = 65536;
  std::chrono::milliseconds flush_age{60'000};
  uint64_t flush_size = 4 * 1024 * 1024;
  // Memory budget (docs/architecture.md#data-path: never unbounded): open batches of all I/O threads together, and
  // closed batches waiting for an encoder (a few full batches keep every encoder busy).
  uint64_t open_batch_bytes_total = 64 * 1024 * 1024;
  uint64_t queue_bytes = 16 * 1024 * 1024;
  int compression_level = 6;
  bool random_ids = false;
  bool pack_records = false;  // --pack-records: spool records packed into Firehose records of up to 1,024,000 bytes
  std::string group_prefix = "/kinesyslog";
  // Known at once with --output-dir; with Firehose it arrives from STS, maybe after start().
  std::shared_ptr<AccountIdPromise> owner = AccountIdPromise::known(std::string(kLocalOwner));
  std::filesystem::path spool_dir;
  uint64_t spool_max_bytes = 0;  // past it new records are refused (never delete old ones); 0: no cap
  // Accepted events are journaled in <spool>/journal and synced at most this much later; 0: no journal.
  std::chrono::milliseconds journal_sync{50};
  std::chrono::milliseconds delivery_interval{60'000};
  std::shared_ptr<net::TlsContextHolder> tls;  // needed when a listener is kTls
  uint64_t gelf_reassembly_bytes = 64 * 1024 * 1024;  // chunked GELF waiting for its other chunks
  // Told what each stream's delivery does (the metrics), in the destinations' order; missing or null: nobody.
  std::vector<std::shared_ptr<deliver::DeliveryEvents>> delivery_events;
  // Bytes held for peers between reads (split messages, PROXY headers), all threads together.
  uint64_t max_partial_bytes = 64 * 1024 * 1024;
  // Connections of all listeners together (from the open-files limit), and from one address.
  size_t max_connections = 100'000;
  size_t max_connections_per_source = 1000;
  // Per I/O thread: sources counted under their own address label (the rest: "other").
  size_t max_tracked_sources_per_thread = 1000;
};

class Relay {
 public:
  // Opens every listening socket (throws net::BindError) and the spool (throws
  // std::runtime_error naming the directory); starts nothing yet. `destinations`: one per
  // stream, in stream order (a record goes to stable_route_hash(source, port) % their number),
  // each with its own delivery thread; they must outlive the relay.
  Relay(RelayConfig config, std::vector<deliver::Destination*> destinations, const Clock& clock);
  // One stream.
  Relay(RelayConfig config, deliver::Destination& destination, const Clock& clock)
      : Relay(std::move(config), std::vector<deliver::Destination*>{&destination}, clock) {}
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  void start();
  // Graceful stop: read what the kernel holds, close every batch, encode and spool it,
  // then deliver what waits until `deadline`; whatever is left stays in the spool.
  void stop(SteadyTime deadline);


  // Any thread (the metrics endpoint): the state behind the /metrics series.
  metrics::RelayReadings readings() const;
  // True while every I/O thread runs its listeners (the systemd watchdog).
  bool listening() const;
  // Records wait and a delivery thread has finished nothing for minutes: stuck inside one
  // call or spool read (the systemd watchdog then restarts the relay; the spool keeps the records).
  bool delivery_stuck() const;
  // listening(), the spool takes records (writable, not refusing at --spool-max-bytes) and
  // delivery is not stalled (/health).
  bool healthy() const;

 private:
  struct Pipeline;  // the stages, built by the constructor, started and stopped here
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace kinesyslog::relay
