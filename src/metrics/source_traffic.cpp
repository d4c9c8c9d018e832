#include "metrics/source_traffic.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace kinesyslog::metrics {

SourceTrafficTable::SourceTrafficTable(size_t capacity, std::chrono::nanoseconds sweep_interval)
    : capacity_(capacity), sweep_interval_(sweep_interval) {}

void SourceTrafficTable::add(Counts& counts, uint64_t messages, uint64_t bytes) {
  // Single writer: a plain load and store, no locked read-modify-write on the hot path.
  counts.messages.store(counts.messages.load(std::memory_order_relaxed) + messages, std::memory_order_relaxed);
  counts.bytes.store(counts.bytes.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
}

void SourceTrafficTable::count(const SourceKey& key, std::string_view source_text, uint64_t bytes) {
  if (last_counts_ == nullptr || !(key == last_key_)) {
    auto found = sources_.find(key);
    if (found != sources_.end()) {
      last_counts_ = &found->second;
    } else if (sources_.size() < capacity_) {
      std::lock_guard lock(structure_mutex_);
      auto [entry, inserted] = sources_.try_emplace(key);
      entry->second.source = std::string(source_text);
      last_counts_ = &entry->second;
    } else {
      add(overflow_for(key.port), 1, bytes);
      return;  // not cached: a later message from a busy source may find room after a sweep
    }
    last_key_ = key;
  }
  add(*last_counts_, 1, bytes);
}

SourceTrafficTable::Counts& SourceTrafficTable::overflow_for(uint16_t port) {
  auto found = overflow_.find(port);
  if (found != overflow_.end()) return found->second;
  std::lock_guard lock(structure_mutex_);
  return overflow_.try_emplace(port).first->second;
}

void SourceTrafficTable::sweep(SteadyTime now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + sweep_interval_;
  const bool full = sources_.size() >= capacity_;
  std::lock_guard lock(structure_mutex_);
  for (auto entry = sources_.begin(); entry != sources_.end();) {
    Counts& counts = entry->second;
    const uint64_t messages = counts.messages.load(std::memory_order_relaxed);
    const bool idle = messages == counts.messages_at_sweep;
    counts.messages_at_sweep = messages;
    if (!(full && idle)) {
      ++entry;
      continue;
    }
    add(overflow_.try_emplace(entry->first.port).first->second, messages, counts.bytes.load(std::memory_order_relaxed));
    if (&counts == last_counts_) last_counts_ = nullptr;
    entry = sources_.erase(entry);
  }
}

void SourceTrafficTable::append_to(std::vector<SourceTraffic>& into) const {
  std::lock_guard lock(structure_mutex_);
  for (const auto& [key, counts] : sources_) {
    into.push_back({key.port, counts.source, counts.messages.load(std::memory_order_relaxed),
                    counts.bytes.load(std::memory_order_relaxed)});
  }
  for (const auto& [port, counts] : overflow_) {
    into.push_back({port, std::string(kOtherSource), counts.messages.load(std::memory_order_relaxed),
                    counts.bytes.load(std::memory_order_relaxed)});
  }
}

size_t SourceTrafficTable::tracked_sources() const {
  std::lock_guard lock(structure_mutex_);
  return sources_.size();
}

std::vector<SourceTraffic> merge_source_traffic(std::vector<SourceTraffic> series) {
  std::map<std::pair<uint16_t, std::string>, SourceTraffic> merged;
  for (SourceTraffic& one : series) {
    auto [entry, inserted] = merged.try_emplace({one.port, one.source}, SourceTraffic{one.port, one.source, 0, 0});
    entry->second.messages += one.messages;
    entry->second.bytes += one.bytes;
  }
  std::vector<SourceTraffic> result;
  result.reserve(merged.size());
  for (auto& [key, one] : merged) result.push_back(std::move(one));
  return result;
}

}  // namespace kinesyslog::metrics
