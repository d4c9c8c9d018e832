#pragma once
// The kernel's count of datagrams a UDP socket dropped (SO_MEMINFO's SK_MEMINFO_DROPS), read
// now and then; what was dropped in between is the difference.
#include <cstdint>

namespace kinesyslog::net {

class KernelDropCount {
 public:
  // Takes the socket's current total; returns how many were dropped since the last one.
  uint64_t take(uint32_t total) {
    // The kernel's counter is 32 bits and wraps; unsigned subtraction is modulo 2^32.
    const uint32_t dropped = total - last_total_;
    last_total_ = total;
    return dropped;
  }

 private:
  uint32_t last_total_ = 0;  // a new socket starts at 0
};

}  // namespace kinesyslog::net
