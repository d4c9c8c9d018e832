#pragma once
// Process-wide counters, updated with relaxed atomics from every thread and read by the
// metrics endpoint. Anything dropped or refused is counted here under a reason, so bad
// input is always visible (docs/behaviour.md §6.2, kinesyslog_dropped_messages_total{reason}).
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string_view>

#include "metrics/journal_counters.hpp"

namespace kinesyslog::metrics {

enum class DropReason : uint8_t {
  kTruncated,       // message longer than --max-message-size (kept, cut short)
  kUdpOverflow,     // datagrams the kernel dropped on a full receive buffer (SO_MEMINFO)
  kQueueFull,       // a closed batch that reached the encoder queue after it was shut
  kBadFrame,        // an octet-counted frame RFC 6587 forbids (MSG-LEN "0"): nothing to keep
  kOversizeEvent,   // an event that cannot fit in one Firehose record
  kSpoolFull,       // a record refused because --spool-max-bytes wait for delivery already
  kSpoolFailed,     // a record that could not be written to the spool
  kBadProxyHeader,  // a connection without a valid PROXY header in time (closed)
  kTlsRefused,      // a TLS handshake that failed or did not finish in time (closed)
  kGelfIncomplete,  // chunked GELF never completed, or evicted by the memory bound
  kGelfInvalid,     // GELF payload neither JSON, gzip nor zlib, corrupt, bad chunk, or too large
  // A RELP session closed for a protocol error or an unread backlog of answers (its sender
  // resends what was not acknowledged, so this counts sessions, not lost messages)
  kRelpProtocolError,
  kCount
};

constexpr std::string_view drop_reason_name(DropReason reason) {
  constexpr std::array<std::string_view, static_cast<size_t>(DropReason::kCount)> names{
      "truncated",    "udp_overflow",     "queue_full",  "bad_frame",       "oversize_event", "spool_full",
      "spool_failed", "bad_proxy_header", "tls_refused", "gelf_incomplete", "gelf_invalid",   "relp_protocol_error"};
  return names[static_cast<size_t>(reason)];
}

// One RELP port's counts, all I/O threads together.
struct RelpPortCounters {
  std::atomic<uint64_t> frames_acked{0};
  std::atomic<int64_t> sessions{0};  // open sessions (their `open` accepted)
};

struct RelayCounters {
  // Messages and their bytes are counted per source by each thread's SourceTrafficTable.
  std::atomic<uint64_t> udp_datagrams{0};
  std::atomic<uint64_t> connections_refused{0};    // over the per-listener limit
  std::atomic<uint64_t> connections_timed_out{0};  // idle too long
  std::atomic<int64_t> listeners{0};               // configured listeners while the relay runs
  std::atomic<int64_t> io_threads_running{0};      // loops serving them; fewer means a loop died
  std::array<std::atomic<uint64_t>, static_cast<size_t>(DropReason::kCount)> dropped{};
  std::atomic<bool> spool_failing{false};          // the last attempt to write a record failed (for /health)
  std::atomic<bool> spool_commits_failing{false};  // the last group-commit round failed (for /health)
  JournalCounters journal;
  // One entry per RELP port, made before the I/O threads start and never changed after, so
  // the threads look their port up without a lock.
  std::map<uint16_t, RelpPortCounters> relp_ports;

  void count_drop(DropReason reason, uint64_t n = 1) {
    dropped[static_cast<size_t>(reason)].fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t drops(DropReason reason) const {
    return dropped[static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  }
};

}  // namespace kinesyslog::metrics
