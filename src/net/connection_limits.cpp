#include "net/connection_limits.hpp"

namespace kinesyslog::net {

ConnectionLimits::ConnectionLimits(size_t max_total, size_t max_per_source)
    : max_total_(max_total), max_per_source_(max_per_source) {}

bool ConnectionLimits::take_slot() {
  if (open_.fetch_add(1, std::memory_order_relaxed) < max_total_) return true;
  open_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

bool ConnectionLimits::admit_source(const IpAddress& peer) {
  std::lock_guard lock(mutex_);
  const auto [entry, added] = per_source_.try_emplace(peer, 0);
  if (entry->second >= max_per_source_) {
    if (added) per_source_.erase(entry);
    return false;
  }
  ++entry->second;
  return true;
}

void ConnectionLimits::release_source(const IpAddress& peer) {
  std::lock_guard lock(mutex_);
  const auto found = per_source_.find(peer);
  if (found == per_source_.end()) return;
  if (--found->second == 0) per_source_.erase(found);
}

}  // namespace kinesyslog::net
