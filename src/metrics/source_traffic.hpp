#pragma once
// Messages and bytes per (receiving port, source address) for kinesyslog_message_count_total
// and kinesyslog_message_bytes_total. One table per I/O thread: only that thread writes, so a
// message costs a lookup and two single-writer atomic stores, never a shared lock. The mutex
// is taken only when the set of sources changes (a new source, an eviction) and by a scrape.
//
// Label sets stay bounded: past `capacity` sources, a new source is counted under
// source="other" for its port, so a scan from many addresses cannot exhaust memory. When the
// table is full, sources idle since the previous sweep leave it (their counts move to
// "other", so the sums stay monotonic) and make room for active ones.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::metrics {

inline constexpr std::string_view kOtherSource = "other";

// One labelled series pair, as read by a scrape.
struct SourceTraffic {
  uint16_t port = 0;
  std::string source;  // address text, or kOtherSource
  uint64_t messages = 0;
  uint64_t bytes = 0;

  friend bool operator==(const SourceTraffic&, const SourceTraffic&) = default;
};

class SourceTrafficTable {
 public:
  explicit SourceTrafficTable(size_t capacity, std::chrono::nanoseconds sweep_interval = std::chrono::minutes(5));
  SourceTrafficTable(const SourceTrafficTable&) = delete;
  SourceTrafficTable& operator=(const SourceTrafficTable&) = delete;

  // Owner thread only.
  void count(const SourceKey& key, std::string_view source_text, uint64_t bytes);
  // Owner thread only, at least every few seconds: evicts idle sources when the table is full.
  void sweep(SteadyTime now);

  // Any thread: adds this table's series to `into` (one entry per tracked source and per
  // port with overflow).
  void append_to(std::vector<SourceTraffic>& into) const;

  size_t tracked_sources() const;

 private:
  struct Counts {
    std::string source;                 // empty for a port's "other" entry
    std::atomic<uint64_t> messages{0};  // written by the owner thread only
    std::atomic<uint64_t> bytes{0};
    uint64_t messages_at_sweep = 0;     // owner thread only
  };
  static void add(Counts& counts, uint64_t messages, uint64_t bytes);
  Counts& overflow_for(uint16_t port);

  const size_t capacity_;
  const std::chrono::nanoseconds sweep_interval_;
  SteadyTime next_sweep_{};
  mutable std::mutex structure_mutex_;  // guards the maps' shape; the counts are atomics
  // Node-based maps: a Counts never moves, so the owner updates it without the mutex.
  std::unordered_map<SourceKey, Counts, SourceKeyHash> sources_;
  std::unordered_map<uint16_t, Counts> overflow_;
  // Consecutive messages usually come from the same sender: skip the hash lookup.
  SourceKey last_key_{};
  Counts* last_counts_ = nullptr;
};

// Sums the series of several tables by (port, source), sorted by port then source.
std::vector<SourceTraffic> merge_source_traffic(std::vector<SourceTraffic> series);

}  // namespace kinesyslog::metrics
