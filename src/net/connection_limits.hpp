#pragma once
// Connection slots shared by every I/O thread: a total that keeps the process inside its
// open-files limit (with room left for spool files, delivery and metrics), and a cap per
// peer address so one host cannot take every slot. Taken at accept, given back at close;
// the per-source table is touched only then, under its mutex.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/ip_address.hpp"
#include "core/source_key.hpp"

namespace kinesyslog::net {

class ConnectionLimits {
 public:
  ConnectionLimits(size_t max_total, size_t max_per_source);
  ConnectionLimits(const ConnectionLimits&) = delete;
  ConnectionLimits& operator=(const ConnectionLimits&) = delete;

  // Takes one of the total's slots before an accept; false while all are taken.
  bool take_slot();
  void give_back_slot() { open_.fetch_sub(1, std::memory_order_relaxed); }
  // Counts a connection from `peer` against its cap; false (nothing counted) when it is reached.
  bool admit_source(const IpAddress& peer);
  void release_source(const IpAddress& peer);
  // True while every slot of the total is taken.
  bool full() const { return open_.load(std::memory_order_relaxed) >= max_total_; }

  size_t max_total() const { return max_total_; }
  size_t max_per_source() const { return max_per_source_; }
  size_t open() const { return open_.load(std::memory_order_relaxed); }

  using AddressHash = IpAddressHash;  // seeded: peers choose their addresses (an IPv6 host owns a /64)

 private:
  const size_t max_total_;
  const size_t max_per_source_;
  std::atomic<size_t> open_{0};
  std::mutex mutex_;
  std::unordered_map<IpAddress, size_t, AddressHash> per_source_;  // sources with a connection open
};

}  // namespace kinesyslog::net
